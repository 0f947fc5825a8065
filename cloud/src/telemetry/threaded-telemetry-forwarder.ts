import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { ForwarderThreadData, FromForwarderThread, ToForwarderThread } from "./forwarder-thread-messages.js";
import type { TelemetryForwarderObserver } from "./telemetry-forwarder.js";

const ENTRY = new URL("./forwarder-thread-entry.mjs", import.meta.url);
/** How long after its thread stopped unasked a new one starts. */
const RESTART_MS = 1000;
/** How long `close` waits for the thread to finish its page and close its connections. */
const CLOSE_WAIT_MS = 15_000;

export interface ThreadedTelemetryForwarderOptions {
  data: ForwarderThreadData;
  logger: Logger;
  observer?: TelemetryForwarderObserver | undefined;
}

/**
 * The `TelemetryForwarder` on a worker thread (decision 0193), with the same `start`, `nudge` and `close`:
 * the thread has its own ledger connection and telemetry store client, and tells its observer's calls back
 * here (the cloud's metrics). A thread that stops unasked is logged, counted as a failed round and started
 * again; its rows stay in the hand-off meanwhile.
 */
export class ThreadedTelemetryForwarder {
  readonly #data: ForwarderThreadData;
  readonly #logger: Logger;
  readonly #observer: TelemetryForwarderObserver | undefined;
  #worker: Worker | undefined;
  #restart: NodeJS.Timeout | undefined;
  #closed = false;
  #started: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: ThreadedTelemetryForwarderOptions) {
    this.#data = options.data;
    this.#logger = options.logger;
    this.#observer = options.observer;
  }

  start(): void {
    if (this.#worker === undefined && !this.#closed) this.#spawn();
  }

  /**
   * Resolves once the first thread has loaded its code and opened its connections (its start costs a core
   * for a moment: the cloud says it is up after it), or once it has stopped trying.
   */
  ready(): Promise<void> {
    if (this.#started === undefined) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#started = { promise, resolve };
    }
    return this.#started.promise;
  }

  /** New rows were committed: the thread looks now rather than after its idle wait. */
  nudge(): void {
    this.#send({ type: "nudge" });
  }

  /** Stops the thread once its page in flight is written (or its retry given up) and its connections closed. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#restart);
    const worker = this.#worker;
    if (worker === undefined) return;
    await new Promise<void>((resolve) => {
      // A thread that does not finish in time (a write or a connection hanging) is stopped as it is: its rows
      // stay in the hand-off for the next start.
      const timer = setTimeout(done, CLOSE_WAIT_MS);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      worker.once("exit", done);
      worker.on("message", (message: FromForwarderThread) => {
        if (message.type === "closed") done();
      });
      this.#send({ type: "close" });
    });
    await worker.terminate();
  }

  #send(message: ToForwarderThread): void {
    this.#worker?.postMessage(message);
  }

  #spawn(): void {
    const worker = new Worker(ENTRY, {
      workerData: this.#data,
      // The entry registers its own loader; of the process's flags only a profiler's are the thread's too.
      execArgv: process.execArgv.filter((arg) => arg.startsWith("--cpu-prof")),
    });
    this.#worker = worker;
    worker.on("message", (message: FromForwarderThread) => this.#heard(message));
    worker.on("error", (error) => this.#logger.error({ err: error }, "the telemetry forwarder's thread failed"));
    worker.on("exit", (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#started?.resolve();
      if (this.#closed) return;
      this.#observer?.failed();
      this.#logger.error(
        { code, restartInMs: RESTART_MS },
        "the telemetry forwarder's thread stopped; starting another",
      );
      this.#restart = setTimeout(() => this.start(), RESTART_MS);
    });
  }

  #heard(message: FromForwarderThread): void {
    switch (message.type) {
      case "started":
        this.ready();
        this.#started?.resolve();
        break;
      case "forwarded":
        this.#observer?.forwarded(message.points);
        break;
      case "rejected":
        this.#observer?.rejected(message.code);
        break;
      case "failed":
        this.#observer?.failed();
        break;
      case "shed":
        this.#observer?.shed(message.points);
        break;
      default:
        break;
    }
  }
}
