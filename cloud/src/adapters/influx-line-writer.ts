import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/** Most characters of InfluxDB's answer kept in the error of a refused write. */
const MAX_ANSWER = 500;

/**
 * Posts line protocol to InfluxDB 1.x's `/write` on kept-alive connections of its own. The body is made
 * into bytes once and written as it is (the global `fetch` encodes a text body, then copies it again);
 * anything but 204 is a failure, as is no answer within the timeout.
 */
export class InfluxLineWriter {
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: { base: URL; db: string; rp: string; headers: Record<string, string>; timeoutMs: number }) {
    const tls = options.base.protocol === "https:";
    this.#agent = tls ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#request = tls ? httpsRequest : httpRequest;
    this.#url = new URL("write", options.base);
    this.#url.search = new URLSearchParams({ db: options.db, rp: options.rp, precision: "ms" }).toString();
    this.#headers = { "content-type": "text/plain; charset=utf-8", ...options.headers };
    this.#timeoutMs = options.timeoutMs;
  }

  write(lines: string): Promise<void> {
    const body = Buffer.from(lines, "utf8");
    return new Promise((resolve, reject) => {
      const req = this.#request(
        this.#url,
        {
          method: "POST",
          agent: this.#agent,
          headers: { ...this.#headers, "content-length": String(body.length) },
        },
        (res) => {
          if (res.statusCode === 204) {
            res.resume();
            res.on("end", resolve);
            res.on("error", reject);
            return;
          }
          answerText(res).then(
            (text) => reject(new Error(`InfluxDB answered ${res.statusCode} to a write: ${text}`)),
            reject,
          );
        },
      );
      req.setTimeout(this.#timeoutMs, () =>
        req.destroy(new Error(`InfluxDB did not answer a write within ${this.#timeoutMs} ms`)),
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

async function answerText(res: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of res) {
    if (text.length < MAX_ANSWER) text += String(chunk);
  }
  return text.slice(0, MAX_ANSWER);
}
