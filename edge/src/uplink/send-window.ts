import type { Subscription } from "rxjs";
import type { OutgoingBatch } from "../ports/uplink-transport.js";

/** A batch sent and not yet acknowledged. */
export interface BatchInFlight {
  batch: OutgoingBatch;
  /** The outbox place of its last event. */
  lastPosition: number;
  /** Its resend timer. */
  timer: Subscription | undefined;
  /** The wait before its next resend, ms. */
  timeoutMs: number;
  /** When it was last sent (scheduler time, ms). */
  sentAt: number;
}

/**
 * The batches in flight, oldest first, and the outbox place after which the
 * next batch starts. Pure bookkeeping: no I/O, no timers of its own.
 *
 * When the window empties, the next batch starts again from the front of the
 * outbox: events an acknowledgement did not name are sent again, as with a
 * window of one.
 */
export class SendWindow {
  #entries: BatchInFlight[] = [];
  #cursor = 0;
  /** Changes whenever the window is cleared: a batch read from the outbox before then is not sent. */
  #generation = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`uplink window must be a whole number ≥ 1, got ${size}`);
  }

  get count(): number {
    return this.#entries.length;
  }

  get full(): boolean {
    return this.#entries.length >= this.size;
  }

  get empty(): boolean {
    return this.#entries.length === 0;
  }

  /** The outbox place after which the next batch's events start (0: the front). */
  get cursor(): number {
    return this.#cursor;
  }

  get generation(): number {
    return this.#generation;
  }

  /** The seq the next batch names as `after`: the newest batch still in flight, if any. */
  get newestSeq(): number | undefined {
    return this.#entries.at(-1)?.batch.seq;
  }

  /** Events in the batches in flight. */
  eventsInFlight(): number {
    let n = 0;
    for (const entry of this.#entries) n += entry.batch.events.length;
    return n;
  }

  entries(): readonly BatchInFlight[] {
    return this.#entries;
  }

  get(batchId: string): BatchInFlight | undefined {
    return this.#entries.find((e) => e.batch.batchId === batchId);
  }

  add(entry: BatchInFlight): void {
    if (this.full) throw new Error("uplink window is full");
    this.#entries.push(entry);
    this.#cursor = Math.max(this.#cursor, entry.lastPosition);
  }

  /** Takes an acknowledged batch out; the window's last one out sends the next batch from the front. */
  remove(batchId: string): BatchInFlight | undefined {
    const index = this.#entries.findIndex((e) => e.batch.batchId === batchId);
    if (index < 0) return undefined;
    const [entry] = this.#entries.splice(index, 1);
    if (this.#entries.length === 0) this.#cursor = 0;
    return entry;
  }

  /** Forgets every batch in flight (their events stay in the outbox) and starts again from the front. */
  clear(): BatchInFlight[] {
    const gone = this.#entries;
    this.#entries = [];
    this.#cursor = 0;
    this.#generation++;
    return gone;
  }
}

/**
 * The batch as it is (re)sent now: `after` names the batch in flight just
 * before it, or is left out when none is (every earlier batch was acknowledged,
 * so committed).
 */
export function withPredecessor(batch: OutgoingBatch, after: number | undefined): OutgoingBatch {
  const { after: _previous, ...rest } = batch;
  return after === undefined ? rest : { ...rest, after };
}
