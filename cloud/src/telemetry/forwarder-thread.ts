import { parentPort, workerData } from "node:worker_threads";
import { pino } from "pino";
import { createLedgerStore } from "../adapters/create-ledger-store.js";
import { createTelemetryStore } from "../adapters/create-telemetry-store.js";
import type { ForwarderThreadData, FromForwarderThread, ToForwarderThread } from "./forwarder-thread-messages.js";
import { TelemetryForwarder } from "./telemetry-forwarder.js";

/**
 * The telemetry forwarder on a thread of its own (`ThreadedTelemetryForwarder` starts it): its own ledger
 * connection (SQLite in WAL, or a PostgreSQL pool) and its own telemetry store client, so reading the
 * hand-off, building line protocol and writing it overlap the cloud's ingest on another core.
 */
async function main(port: NonNullable<typeof parentPort>, data: ForwarderThreadData): Promise<void> {
  const tell = (message: FromForwarderThread) => port.postMessage(message);
  const logger = pino({ level: data.logLevel }).child({ component: "telemetry-forwarder", thread: true });
  const ledger = await createLedgerStore(data.ledger);
  const store = createTelemetryStore(data.telemetry);
  const forwarder = new TelemetryForwarder({
    ledger,
    store,
    logger,
    observer: {
      forwarded: (points) => tell({ type: "forwarded", points }),
      rejected: (code) => tell({ type: "rejected", code }),
      failed: () => tell({ type: "failed" }),
      shed: (points) => tell({ type: "shed", points }),
    },
    ...(data.maxPending !== undefined && { maxPending: data.maxPending }),
  });
  port.on("message", (message: ToForwarderThread) => {
    if (message.type === "nudge") forwarder.nudge();
    else void close();
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await forwarder.close();
      await store.close();
      await ledger.close();
      tell({ type: "closed" });
      port.close();
    })();
    return closing;
  };
  forwarder.start();
  tell({ type: "started" });
}

if (parentPort !== null) await main(parentPort, workerData as ForwarderThreadData);
