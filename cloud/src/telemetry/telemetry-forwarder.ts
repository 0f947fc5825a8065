import type { Telemetry } from "@tally/protocols";
import type { Logger } from "pino";
import type { LedgerStore } from "../ledger/ledger-store.js";
import type { HandoffRow } from "../ledger/telemetry-handoff.js";
import { type BackoffOptions, backoffDelay } from "../notifications/backoff.js";
import type { RejectedPoint, TelemetryPoint, TelemetryStore, WriteResult } from "./telemetry-store.js";

/** What the forwarder reports (the cloud's metrics). */
export interface TelemetryForwarderObserver {
  forwarded(points: number): void;
  /** A point the telemetry store can never keep: logged with its content, counted, and dropped. */
  rejected(code: string): void;
  /** A round that failed (the telemetry store or the ledger away); it is retried with backoff. */
  failed(): void;
  /** Readings dropped from the hand-off, oldest first, because the telemetry store was away past the bound. */
  shed(points: number): void;
}

export interface TelemetryForwarderOptions {
  ledger: Pick<LedgerStore, "pendingTelemetry" | "forwardedTelemetry" | "shedTelemetry">;
  store: TelemetryStore;
  logger: Logger;
  observer?: TelemetryForwarderObserver | undefined;
  /** Readings a page reads (whole hand-off rows, at least one), default 20,000 (written in parallel chunks). */
  pageSize?: number;
  /** How long it waits for new rows when caught up (a commit nudges it sooner), ms; default 1 s. */
  idleMs?: number;
  /** Retry delays after a failed round; default from 200 ms up to 30 s. */
  backoff?: BackoffOptions;
  /**
   * The most readings kept in the hand-off while the telemetry store is away (default 1,000,000: about 17
   * hours of a thousand sensors reading once a minute); past it the oldest are dropped and counted.
   */
  maxPending?: number;
}

const DEFAULT_RETRY: BackoffOptions = { baseMs: 200, capMs: 30_000 };
const DEFAULT_PAGE_SIZE = 20_000;
export const DEFAULT_MAX_PENDING_TELEMETRY = 1_000_000;

/** A committed telemetry event as the telemetry store keeps it. */
export function telemetryPoint(t: Telemetry): TelemetryPoint {
  // Assigned one by one rather than spread in: this runs for every point forwarded.
  const point: TelemetryPoint = {
    id: t.id,
    siteId: t.siteId,
    deviceId: t.deviceId,
    metric: t.metric,
    value: t.value,
    unit: t.unit,
    at: t.occurredAt,
  };
  if (t.location !== undefined) point.location = t.location;
  if (t.summary !== undefined) point.summary = { ...t.summary };
  if (t.excursionWindow === true) point.detail = true;
  return point;
}

/** The points of a page of hand-off rows, in order. */
function pagePoints(page: readonly HandoffRow[]): TelemetryPoint[] {
  const points: TelemetryPoint[] = [];
  for (const row of page) for (const t of row.telemetry) points.push(telemetryPoint(t));
  return points;
}

/**
 * Moves committed telemetry from the ledger's hand-off table to the
 * telemetry store, after the commit and never inside it: it reads the
 * oldest rows, writes them, and only then deletes them from the ledger.
 * A telemetry store that is away costs retries with backoff, never a failed
 * or slower commit; a crash between the write and the delete costs one
 * page written again (writes are idempotent). Rows are deleted by seq, so a
 * row that becomes visible late (PostgreSQL takes a `seq` before the
 * commit) is simply read by a later round.
 */
export class TelemetryForwarder {
  readonly #ledger: TelemetryForwarderOptions["ledger"];
  readonly #store: TelemetryStore;
  readonly #logger: Logger;
  readonly #observer: TelemetryForwarderObserver | undefined;
  readonly #pageSize: number;
  readonly #idleMs: number;
  readonly #backoff: BackoffOptions;
  readonly #maxPending: number;
  #closed = false;
  #wake: (() => void) | undefined;
  #nudged = false;
  #loop: Promise<void> | undefined;

  constructor(options: TelemetryForwarderOptions) {
    this.#ledger = options.ledger;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#observer = options.observer;
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.#idleMs = options.idleMs ?? 1000;
    this.#backoff = options.backoff ?? DEFAULT_RETRY;
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_TELEMETRY;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** New rows were committed: look now rather than after the idle wait. */
  nudge(): void {
    this.#nudged = true;
    this.#wake?.();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      try {
        const found = await this.#round();
        if (failures > 0) this.#logger.info({ failures }, "telemetry store reachable again: forwarding resumed");
        failures = 0;
        // After a pass that moved rows, look again at once: more may have been committed meanwhile.
        if (!found) await this.#wait(this.#idleMs);
      } catch (error) {
        failures += 1;
        this.#observer?.failed();
        const delayMs = backoffDelay(failures, this.#backoff);
        // One warning per outage, not one per retry.
        const log = failures === 1 ? this.#logger.warn.bind(this.#logger) : this.#logger.debug.bind(this.#logger);
        log(
          { err: error, failures, retryInMs: delayMs },
          "could not forward telemetry; retrying (ledger commits go on)",
        );
        await this.#shed();
        await this.#wait(delayMs);
      }
    }
  }

  /**
   * The hand-off from its start, page after page of whole rows (one per committed batch), until a page is
   * empty; false when the first was. Two pages are written at once: the next page is read and its write
   * starts while the one before is still being written, so making a page's lines overlaps InfluxDB's work
   * on the last. A page leaves the hand-off only once written, and pages leave in order: each waits for
   * the one before it. A row that became visible behind the pages read (PostgreSQL) is found by the next
   * pass, which starts again from the start. When a write fails the round fails (and is retried); a later
   * page's write still in flight may yet finish and leave, which changes nothing (writes are idempotent).
   */
  async #round(): Promise<boolean> {
    let page = await this.#ledger.pendingTelemetry(this.#pageSize);
    if (page.length === 0) return false;
    let previous: Promise<void> | undefined;
    while (page.length > 0) {
      const seqs = page.map((r) => r.seq);
      const writing = this.#store.write(pagePoints(page));
      // The page's events and points are garbage once handed to the store (a refused point comes back with
      // its refusal): little lives while the writes are in flight for the young generation's collections to copy.
      page = [];
      const settled = this.#settle(previous, writing, seqs);
      // Awaited below (or by the next page); a failure meanwhile must not count as unhandled.
      settled.catch(() => undefined);
      if (previous !== undefined) await previous;
      previous = settled;
      page = await this.#ledger.pendingTelemetry(this.#pageSize, seqs.at(-1));
    }
    await previous;
    return true;
  }

  /** A page's write seen through: after the page before it has left, its refusals told and its rows deleted. */
  async #settle(before: Promise<void> | undefined, writing: Promise<WriteResult>, seqs: number[]): Promise<void> {
    const result = await writing;
    await before;
    this.#reportRejected(result.rejected);
    await this.#ledger.forwardedTelemetry(seqs);
    this.#observer?.forwarded(result.written);
  }

  #reportRejected(rejected: readonly RejectedPoint[]): void {
    if (rejected.length === 0) return;
    for (const r of rejected) this.#observer?.rejected(r.code);
    const logged = rejected.slice(0, 100);
    // Logged whole: this line is the only place these points are kept.
    this.#logger.error(
      {
        rejected: logged.map(({ point: _, ...refusal }) => refusal),
        points: logged.flatMap((r) => (r.point === undefined ? [] : [r.point])),
        count: rejected.length,
      },
      "telemetry the telemetry store can never keep was dropped",
    );
  }

  /** While the telemetry store is away the hand-off grows; past `maxPending` its oldest rows go. */
  async #shed(): Promise<void> {
    try {
      const dropped = await this.#ledger.shedTelemetry(this.#maxPending);
      if (dropped > 0) {
        this.#observer?.shed(dropped);
        this.#logger.error(
          { dropped, maxPending: this.#maxPending },
          "telemetry store away too long: the oldest telemetry waiting for it was dropped",
        );
      }
    } catch (error) {
      // The ledger is away too: nothing grows meanwhile.
      this.#logger.debug({ err: error }, "could not check the telemetry hand-off's size");
    }
  }

  #wait(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#nudged) {
      this.#nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        self.#nudged = false;
        resolve();
      }
      this.#wake = done;
    });
  }
}
