import type { EdgeEvent } from "@tally/protocols";

/**
 * Keeps every outgoing event until the cloud confirms it committed it.
 * Events come out oldest first.
 */
export interface Outbox {
  append(events: readonly EdgeEvent[]): Promise<void>;
  /** Up to `max` of the oldest events, without removing them. */
  peek(max: number): Promise<EdgeEvent[]>;
  /** Removes events by id; unknown ids are ignored. */
  remove(ids: readonly string[]): Promise<void>;
  /** Events waiting. */
  depth(): number;
  /**
   * The next batch sequence number: one more than the last handed out, never
   * the same twice (across restarts, for a durable outbox).
   */
  nextBatchSeq(): number;
  /** Bytes waiting, the bound (when there is one) and what was shed to keep it. */
  usage(): OutboxUsage;
}

export interface OutboxUsage {
  bytes: number;
  /** The bound in bytes; none for an unbounded outbox. */
  maxBytes?: number | undefined;
  /** Events dropped to stay under the bound, by kind (only telemetry and conditions are ever dropped). */
  shed: Record<string, number>;
}
