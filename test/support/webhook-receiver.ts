import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, verifyWebhookSignature } from "@tally/cloud";

/** One delivery the receiver took (answered 2xx). */
export interface Received {
  deliveryId: string;
  path: string;
  body: string;
}

/**
 * A webhook receiver on 127.0.0.1 that does what a real one should: checks
 * each request's signature with `verifyWebhookSignature` (against `now()`),
 * takes a delivery id once and answers a repeat 200 without taking it again.
 * `down()` makes it answer 503; `stop()` closes the port (connection
 * refused) and `start()` opens the same port again.
 */
export class WebhookReceiver {
  /** Deliveries taken, in arrival order. */
  readonly received: Received[] = [];
  /** Delivery ids that arrived again after they were taken (the notifier sent a delivered one twice). */
  readonly repeats: string[] = [];
  /** Requests whose signature did not verify, with the reason. */
  readonly refusedSignatures: string[] = [];
  /** Requests answered 503 while down. */
  refusedWhileDown = 0;
  #server: Server | undefined;
  #port = 0;
  #down = false;
  /** How long it takes to answer a delivery it takes, ms: a slow receiver keeps deliveries in flight. */
  answerDelayMs = 0;
  readonly #secrets: Map<string, string>;
  readonly #now: () => number;

  /** `secrets`: path → the secret of the webhook registered at that path. */
  constructor(secrets: Map<string, string>, now: () => number = Date.now) {
    this.#secrets = secrets;
    this.#now = now;
  }

  get port(): number {
    return this.#port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.#port}${path}`;
  }

  down(): void {
    this.#down = true;
  }

  up(): void {
    this.#down = false;
  }

  /** Listens on port 0 the first time, on the same port after a `stop()`. */
  async start(): Promise<void> {
    const server = createServer((request, response) => {
      void this.#handle(request).then((status) => {
        const answer = () => response.writeHead(status).end();
        if (status < 300 && this.answerDelayMs > 0) setTimeout(answer, this.answerDelayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (this.#down) {
      this.refusedWhileDown += 1;
      return 503;
    }
    const path = request.url ?? "";
    const secret = this.#secrets.get(path);
    const header = request.headers[SIGNATURE_HEADER.toLowerCase()];
    const check = verifyWebhookSignature(
      typeof header === "string" ? header : undefined,
      body,
      secret ?? "",
      this.#now(),
    );
    if (secret === undefined || !check.ok || request.headers["content-type"] !== "application/json") {
      this.refusedSignatures.push(check.ok ? `unexpected request to ${path}` : `${check.code}: ${check.reason}`);
      return 400;
    }
    const id = request.headers[DELIVERY_ID_HEADER.toLowerCase()];
    const deliveryId = typeof id === "string" ? id : "";
    if (this.received.some((r) => r.deliveryId === deliveryId)) {
      this.repeats.push(deliveryId);
      return 200;
    }
    this.received.push({ deliveryId, path, body });
    return 204;
  }
}
