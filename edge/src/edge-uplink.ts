import type { Condition } from "@tally/protocols";
import type { Logger } from "pino";
import { v7 as uuidv7 } from "uuid";
import { connectHttpUplink } from "./adapters/http-uplink-transport.js";
import type { DeadLetter } from "./adapters/mqtt-device-source.js";
import { connectMqttUplink } from "./adapters/mqtt-uplink-transport.js";
import { eventDeadLetter } from "./domain/event-dead-letter.js";
import { forgedAckCondition } from "./domain/forged-ack-condition.js";
import type { EdgeOptions } from "./edge-options.js";
import type { Outbox } from "./ports/outbox.js";
import { DEFAULT_UPLINK_WINDOW, UplinkSender } from "./uplink/uplink-sender.js";

export interface EdgeUplinkContext {
  options: EdgeOptions;
  outbox: Outbox;
  logger: Logger;
  newId: () => string;
  /** Where the transport's and the sender's closes are pushed (the edge closes them in reverse). */
  closers: (() => Promise<void>)[];
}

/** What the uplink hands back to the rest of the edge. */
export interface EdgeUplinkHooks {
  /** An event the cloud refused for good, told on the device broker's dead-letter topic. */
  publishDeadLetter(letter: DeadLetter): void;
  /** A condition the uplink raises (a forged acknowledgement), to queue like the pipelines' events. */
  raise(condition: Condition): void;
  /** How long the cloud took to acknowledge a batch, ms. */
  onAcked(ms: number): void;
}

/** Connects the uplink (the cloud's broker or its HTTP API) and starts sending the outbox over it. */
export function startEdgeUplink(context: EdgeUplinkContext, hooks: EdgeUplinkHooks): UplinkSender {
  const { options, outbox, logger, newId, closers } = context;
  const { site, edgeId } = options;
  const transport =
    "httpUrl" in options.uplink
      ? connectHttpUplink({ cloudUrl: options.uplink.httpUrl, token: options.uplink.token, logger })
      : connectMqttUplink({
          url: options.uplink.mqttUrl,
          siteId: site.siteId,
          edgeId,
          token: options.uplink.token,
          caFile: options.uplink.caFile,
          logger,
          keepaliveS: options.uplink.keepaliveS ?? 60,
        });
  closers.push(() => transport.close());
  const sender = new UplinkSender(
    outbox,
    transport,
    {
      edgeId,
      siteId: site.siteId,
      maxBatch: options.uplink.maxBatch ?? 500,
      flushMs: options.uplink.flushMs ?? 0,
      window: options.uplink.window ?? DEFAULT_UPLINK_WINDOW,
      readingColumns: options.uplink.readingColumns ?? true,
      ackTimeoutMs: options.uplink.ackTimeoutMs ?? 5000,
      maxAckTimeoutMs: Math.max(options.uplink.maxAckTimeoutMs ?? 60_000, options.uplink.ackTimeoutMs ?? 5000),
      newId,
      instanceId: uuidv7(),
    },
    {
      onRejected: (ack) =>
        logger.error({ batchId: ack.batchId, rejected: ack.rejected.slice(0, 10) }, "cloud rejected events"),
      onDeadLettered: (letters) => {
        for (const letter of letters) {
          const { event, code, reason, batchId } = letter;
          logger.warn(
            { eventId: event.id, kind: event.kind, code, reason, batchId },
            "event refused by the cloud kept as a dead letter (tally edge dead-letters)",
          );
          hooks.publishDeadLetter(eventDeadLetter(site.siteId, edgeId, letter));
        }
      },
      onForgedAck: (ack, reason) => {
        logger.error({ batchId: ack.batchId, reason }, "forged acknowledgement ignored");
        // Raised to the cloud like any condition, so a supervisor sees it: one open alert per edge.
        hooks.raise(forgedAckCondition(site.siteId, edgeId, reason, new Date(), newId));
      },
      onError: (error) => logger.warn({ err: (error as Error).message }, "uplink problem"),
      onAcked: (ms) => hooks.onAcked(ms),
    },
  );
  sender.start();
  closers.push(async () => sender.stop());
  return sender;
}
