import { CommitAck, safeParseUntrusted } from "@tally/protocols";
import type { Logger } from "pino";
import { BehaviorSubject, Subject } from "rxjs";
import type { OutgoingBatch, UplinkTransport } from "../ports/uplink-transport.js";

/**
 * Uplink over HTTP: each batch is `POST {cloudUrl}/v1/ingest`, and the
 * response body is the cloud's commit acknowledgement (sent after its
 * database commit). A failed request (network, 5xx) leaves the batch in the
 * outbox; the sender resends it with backoff. `connected$` reports whether
 * the last request reached the cloud, so the sender resends at once when it
 * is back.
 */
export function connectHttpUplink(options: {
  cloudUrl: string;
  /** Bearer token with the `edge` role, when the cloud requires one. */
  token?: string | undefined;
  logger: Logger;
  timeoutMs?: number;
}): UplinkTransport {
  const acks$ = new Subject<CommitAck>();
  // Optimistic at start: the first send finds out.
  const connected$ = new BehaviorSubject(true);
  const url = `${options.cloudUrl.replace(/\/$/, "")}/v1/ingest`;
  let closed = false;
  return {
    acks$: acks$.asObservable(),
    connected$: connected$.asObservable(),
    send: async (batch: OutgoingBatch) => {
      if (closed) throw new Error("uplink is closed");
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: JSON.stringify(batch),
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      } catch (error) {
        if (connected$.value) connected$.next(false);
        throw error;
      }
      if (!connected$.value) connected$.next(true);
      if (!response.ok) {
        const body = await response.text();
        throw new Error(`cloud answered ${response.status}: ${body.slice(0, 300)}`);
      }
      const ack = safeParseUntrusted(CommitAck, await response.json());
      if (!ack.success) {
        options.logger.warn({ batchId: batch.batchId }, "uplink: malformed acknowledgement");
        return;
      }
      acks$.next(ack.data);
    },
    close: async () => {
      closed = true;
      acks$.complete();
      connected$.complete();
    },
  };
}
