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
}
