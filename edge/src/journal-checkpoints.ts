import type { DeviceJournal } from "./ports/device-journal.js";
import type { Outbox } from "./ports/outbox.js";

export interface JournalCheckpointsOptions {
  journal: Pick<DeviceJournal, "checkpoint">;
  /** Its `sync()` makes every append made before it durable (decision 0190). */
  outbox: Pick<Outbox, "sync">;
  /** The journal seq up to which every message's events have left the pipelines. */
  watermark: (now: number) => number;
  /** Whether events wait to go into the outbox (it refused them): then the checkpoint stays. */
  eventsWaiting: () => boolean;
  /** Messages this recent stay in the journal past the checkpoint, as context for a replay, ms. */
  contextMs: number;
  now?: () => number;
  /** The outbox could not be synced: what it holds may not survive a power cut, so the checkpoint stays. */
  onSyncFailure: (error: Error) => void;
  /** The journal's checkpoint write failed (tried again at the next tick). */
  onCheckpointFailure: (error: Error) => void;
}

/**
 * Moves the device journal's checkpoint, one tick at a time (every 500 ms in
 * the edge). A tick checkpoints the watermark seen at the tick before — the
 * events of those messages have passed the pipelines' 20 ms batching and been
 * appended since — but only once an outbox sync started after those appends
 * has resolved: the outbox's appends are not fsync'd on their own, and the
 * journal keeps, and replays after a crash, every message whose events may
 * not be durable yet.
 */
export class JournalCheckpoints {
  readonly #o: JournalCheckpointsOptions;
  readonly #now: () => number;
  #candidate: number | undefined;
  #ticking = false;

  constructor(options: JournalCheckpointsOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** One tick; a tick that comes while the last one still waits for its sync is skipped. */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      await this.#checkpointCandidate();
      this.#candidate = this.#o.eventsWaiting() ? undefined : this.#o.watermark(this.#now());
    } finally {
      this.#ticking = false;
    }
  }

  async #checkpointCandidate(): Promise<void> {
    const candidate = this.#candidate;
    if (candidate === undefined || this.#o.eventsWaiting()) return;
    try {
      await this.#o.outbox.sync();
    } catch (error) {
      this.#candidate = undefined;
      this.#o.onSyncFailure(error as Error);
      return;
    }
    try {
      await this.#o.journal.checkpoint(candidate, this.#now() - this.#o.contextMs);
    } catch (error) {
      this.#o.onCheckpointFailure(error as Error);
    }
  }
}
