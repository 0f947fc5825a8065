import type { EdgeEvent, ErrorCode } from "@tally/protocols";

/** An event the cloud refused for good: its id, and the code and reason of the commit acknowledgement. */
export interface EventRefusal {
  id: string;
  code: ErrorCode;
  reason: string;
  /** The batch whose acknowledgement refused it. */
  batchId?: string | undefined;
}

/** An event the cloud refused for good, kept aside with why so an operator can see it. */
export interface DeadLetteredEvent {
  event: EdgeEvent;
  code: ErrorCode;
  reason: string;
  batchId?: string | undefined;
  /** When it left the outbox, ISO. */
  deadLetteredAt: string;
}

/** The dead letters kept, their bound, and how many were dropped to keep it. */
export interface DeadLetterUsage {
  count: number;
  max: number;
  /** Oldest dead letters dropped to stay under `max` (for a durable outbox, since the file was made). */
  dropped: number;
}

/**
 * Keeps every outgoing event until the cloud confirms it committed it.
 * Events come out oldest first.
 */
export interface Outbox {
  append(events: readonly EdgeEvent[]): Promise<void>;
  /** Up to `max` of the oldest events, without removing them. */
  peek(max: number): Promise<EdgeEvent[]>;
  /**
   * Up to `max` of the oldest events placed after `position` (0: from the
   * start), each with its place, without removing them. Places grow with
   * insertion order and are never reused by an open outbox, so a sender can
   * read past the events it already has in flight.
   */
  peekAfter(position: number, max: number): Promise<QueuedEvent[]>;
  /**
   * Removes events by id; unknown ids are ignored. The `refused` ones leave
   * the outbox too, and become dead letters with their code and reason in the
   * same step: nothing can be lost between the two. Returns the dead letters
   * made, one per refused event that was still waiting (so an ack seen twice
   * makes them once).
   */
  remove(ids: readonly string[], refused?: readonly EventRefusal[]): Promise<DeadLetteredEvent[]>;
  /** The newest `limit` dead letters, newest first. */
  deadLetters(limit: number): Promise<DeadLetteredEvent[]>;
  deadLetterUsage(): DeadLetterUsage;
  /** Events waiting. */
  depth(): number;
  /**
   * The next batch sequence number: one more than the last handed out, never
   * the same twice (across restarts, for a durable outbox; after a crash it
   * may skip some).
   */
  nextBatchSeq(): number;
  /** Bytes waiting, the bound (when there is one) and what was shed to keep it. */
  usage(): OutboxUsage;
  /**
   * Resolves once every append and removal made before the call is as
   * durable as this outbox makes anything (on disk for a durable outbox);
   * rejects when it cannot be.
   */
  sync(): Promise<void>;
}

/** An event waiting in the outbox and its place there. */
export interface QueuedEvent {
  /** Greater than the place of every event appended before it; at least 1. */
  position: number;
  event: EdgeEvent;
}

export interface OutboxUsage {
  bytes: number;
  /** The bound in bytes; none for an unbounded outbox. */
  maxBytes?: number | undefined;
  /** Events dropped to stay under the bound, by kind (only telemetry and conditions are ever dropped). */
  shed: Record<string, number>;
}

/** Dead letters kept by default; past it the oldest are dropped (and counted). */
export const DEFAULT_MAX_DEAD_LETTERS = 10_000;
