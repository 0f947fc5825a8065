import type { Telemetry } from "@tally/protocols";
import type { Logger } from "pino";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { type BackoffOptions, backoffDelay } from "../notifications/backoff.js";
import type { TelemetryPoint, TelemetryStore } from "./telemetry-store.js";

/** What the forwarder reports (the cloud's metrics). */
export interface TelemetryForwarderObserver {
  forwarded(points: number): void;
  /** A point the telemetry store can never keep: it stays in the ledger's table only. */
  rejected(code: string): void;
  /** A round that failed (the telemetry store or the ledger away); it is retried with backoff. */
  failed(): void;
}

export interface TelemetryForwarderOptions {
  ledger: Pick<LedgerStore, "telemetry">;
  store: TelemetryStore;
  logger: Logger;
  observer?: TelemetryForwarderObserver | undefined;
  /** Ledger rows per round, default 5000. */
  pageSize?: number;
  /** How long it waits for new rows when caught up (a commit nudges it sooner), ms; default 1 s. */
  idleMs?: number;
  /** Retry delays after a failed round; default from 200 ms up to 30 s. */
  backoff?: BackoffOptions;
  /**
   * For a ledger whose row order is not its commit order (PostgreSQL: a row's `seq` is taken before its
   * transaction commits, so a slow commit can show up behind rows already forwarded): rows are read again
   * for this long after they were first forwarded, ms, and the saved cursor trails by as much. 0 (default):
   * row order is commit order (SQLite's single writer).
   */
  settleMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

const DEFAULT_RETRY: BackoffOptions = { baseMs: 200, capMs: 30_000 };

/** A ledger telemetry row as the telemetry store keeps it. */
export function telemetryPoint(t: Telemetry): TelemetryPoint {
  return {
    id: t.id,
    siteId: t.siteId,
    deviceId: t.deviceId,
    metric: t.metric,
    value: t.value,
    unit: t.unit,
    ...(t.location !== undefined && { location: t.location }),
    at: t.occurredAt,
    ...(t.summary !== undefined && { summary: { ...t.summary } }),
    ...(t.excursionWindow === true && { detail: true }),
  };
}

/**
 * Copies committed telemetry from the ledger to the telemetry store, after
 * the commit and never inside it: a cursor (the last ledger row forwarded,
 * kept in the telemetry store) walks the ledger's telemetry rows in commit
 * order. The ledger's rows are the durable queue: a telemetry store that is
 * away costs retries with backoff, never a failed or slower commit, and a
 * crash costs at most one page written again (writes are idempotent).
 */
export class TelemetryForwarder {
  readonly #ledger: Pick<LedgerStore, "telemetry">;
  readonly #store: TelemetryStore;
  readonly #logger: Logger;
  readonly #observer: TelemetryForwarderObserver | undefined;
  readonly #pageSize: number;
  readonly #idleMs: number;
  readonly #backoff: BackoffOptions;
  readonly #settleMs: number;
  readonly #now: () => number;
  /** The last row forwarded. */
  #cursor: string | undefined;
  /** The cursor kept in the telemetry store: `#cursor` once it has settled. */
  #saved: string | undefined;
  /** Where `#cursor` was when, oldest first (with `settleMs` only). */
  #marks: { atMs: number; id: string }[] = [];
  #lastSweepMs = 0;
  #cursorLoaded = false;
  #closed = false;
  #wake: (() => void) | undefined;
  #nudged = false;
  #loop: Promise<void> | undefined;

  constructor(options: TelemetryForwarderOptions) {
    this.#ledger = options.ledger;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#observer = options.observer;
    this.#pageSize = options.pageSize ?? 5000;
    this.#idleMs = options.idleMs ?? 1000;
    this.#backoff = options.backoff ?? DEFAULT_RETRY;
    this.#settleMs = options.settleMs ?? 0;
    this.#now = options.now ?? Date.now;
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
        const full = await this.#round();
        // Not while catching up on a backlog: the sweep re-reads from the saved cursor, which trails it.
        if (!full && this.#settleMs > 0 && this.#now() - this.#lastSweepMs >= this.#settleMs) await this.#sweep();
        if (failures > 0) this.#logger.info({ failures }, "telemetry store reachable again: forwarding resumed");
        failures = 0;
        if (!full) await this.#wait(this.#idleMs);
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
        await this.#wait(delayMs);
      }
    }
  }

  /** One page after the cursor; true when it was full (more may be waiting). */
  async #round(): Promise<boolean> {
    if (!this.#cursorLoaded) {
      this.#cursor = await this.#store.cursor();
      this.#saved = this.#cursor;
      this.#cursorLoaded = true;
    }
    const rows = await this.#page(this.#cursor);
    const last = rows.at(-1);
    if (last === undefined) return false;
    const result = await this.#store.write(rows.map(telemetryPoint));
    if (result.rejected.length > 0) {
      for (const r of result.rejected) this.#observer?.rejected(r.code);
      this.#logger.warn(
        { rejected: result.rejected.slice(0, 10), count: result.rejected.length },
        "telemetry the telemetry store cannot keep was skipped (it stays in the ledger)",
      );
    }
    if (this.#settleMs === 0) {
      await this.#store.saveCursor(last.id);
      this.#saved = last.id;
    } else {
      this.#marks.push({ atMs: this.#now(), id: last.id });
    }
    this.#cursor = last.id;
    this.#observer?.forwarded(result.written);
    return rows.length === this.#pageSize;
  }

  /**
   * Reads again every row after the saved cursor (writes are idempotent), so a row that became visible
   * behind the cursor within `settleMs` is forwarded too; then saves the newest cursor that has settled.
   */
  async #sweep(): Promise<void> {
    const nowMs = this.#now();
    let from = this.#saved;
    for (;;) {
      const rows = await this.#page(from);
      const last = rows.at(-1);
      if (last === undefined) break;
      // Not counted as forwarded: nearly all of these were counted when first forwarded.
      await this.#store.write(rows.map(telemetryPoint));
      from = last.id;
      if (rows.length < this.#pageSize || rows.some((r) => r.id === this.#cursor)) break;
    }
    this.#lastSweepMs = nowMs;
    let settled: string | undefined;
    while (this.#marks.length > 0 && (this.#marks[0]?.atMs ?? nowMs) <= nowMs - this.#settleMs) {
      settled = this.#marks.shift()?.id;
    }
    if (settled !== undefined) {
      await this.#store.saveCursor(settled);
      this.#saved = settled;
    }
  }

  #page(after: string | undefined) {
    return this.#ledger.telemetry({ ...(after !== undefined && { after }), limit: this.#pageSize });
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
