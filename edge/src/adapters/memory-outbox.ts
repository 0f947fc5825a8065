import type { EdgeEvent } from "@tally/protocols";
import {
  DEFAULT_MAX_DEAD_LETTERS,
  type DeadLetteredEvent,
  type DeadLetterUsage,
  type EventRefusal,
  type Outbox,
  type OutboxUsage,
  type QueuedEvent,
} from "../ports/outbox.js";

export interface MemoryOutboxOptions {
  /** Bound on the dead letters kept (default 10,000): past it the oldest are dropped, and counted. */
  maxDeadLetters?: number;
  /** The clock for dead-letter times, ms since the epoch (tests). */
  now?: () => number;
}

/**
 * An outbox in memory: events survive cloud and broker outages but not an
 * edge restart. The durable SQLite outbox replaces it.
 */
export class MemoryOutbox implements Outbox {
  /** By id, in insertion order, each with its place. */
  readonly #events = new Map<string, QueuedEvent>();
  #lastPosition = 0;
  /** Oldest first. */
  readonly #dead: DeadLetteredEvent[] = [];
  #deadDropped = 0;
  #seq = 0;
  readonly #maxDeadLetters: number;
  readonly #now: () => number;

  constructor(options: MemoryOutboxOptions = {}) {
    this.#maxDeadLetters = Math.max(1, Math.trunc(options.maxDeadLetters ?? DEFAULT_MAX_DEAD_LETTERS));
    this.#now = options.now ?? Date.now;
  }

  /** Nothing here outlives the process: nothing to wait for. */
  async sync(): Promise<void> {}

  nextBatchSeq(): number {
    return this.#seq++;
  }

  async append(events: readonly EdgeEvent[]): Promise<void> {
    // An id already waiting keeps its place (and its first content), as in the durable outbox.
    for (const event of events) {
      if (!this.#events.has(event.id)) this.#events.set(event.id, { position: ++this.#lastPosition, event });
    }
  }

  async peek(max: number): Promise<EdgeEvent[]> {
    return (await this.peekAfter(0, max)).map((queued) => queued.event);
  }

  async peekAfter(position: number, max: number): Promise<QueuedEvent[]> {
    const out: QueuedEvent[] = [];
    for (const queued of this.#events.values()) {
      if (out.length >= max) break;
      if (queued.position > position) out.push(queued);
    }
    return out;
  }

  async remove(ids: readonly string[], refused: readonly EventRefusal[] = []): Promise<DeadLetteredEvent[]> {
    for (const id of ids) this.#events.delete(id);
    const made: DeadLetteredEvent[] = [];
    const at = new Date(Math.trunc(this.#now())).toISOString();
    for (const refusal of refused) {
      const event = this.#events.get(refusal.id)?.event;
      if (event === undefined) continue;
      this.#events.delete(refusal.id);
      made.push({ event, code: refusal.code, reason: refusal.reason, batchId: refusal.batchId, deadLetteredAt: at });
    }
    this.#dead.push(...made);
    const over = this.#dead.length - this.#maxDeadLetters;
    if (over > 0) {
      this.#dead.splice(0, over);
      this.#deadDropped += over;
    }
    return made;
  }

  async deadLetters(limit: number): Promise<DeadLetteredEvent[]> {
    const n = Math.max(0, Math.trunc(limit));
    return n === 0 ? [] : this.#dead.slice(-n).reverse();
  }

  deadLetterUsage(): DeadLetterUsage {
    return { count: this.#dead.length, max: this.#maxDeadLetters, dropped: this.#deadDropped };
  }

  depth(): number {
    return this.#events.size;
  }

  usage(): OutboxUsage {
    let bytes = 0;
    for (const { event } of this.#events.values()) bytes += JSON.stringify(event).length;
    return { bytes, shed: {} };
  }
}
