import type { SchedulerLike, Subscription } from "rxjs";

interface Entry<K> {
  dueMs: number;
  /** Order of setting: deadlines due at the same time fire in the order they were set. */
  order: number;
  key: K;
}

/** Stale heap entries allowed beyond the live deadlines before the heap is rebuilt from them. */
const SLACK = 1024;

/**
 * Many keyed deadlines on one scheduler action: `set(key, dueMs)` gives a
 * key its (only) deadline, replacing any earlier one, and `onDue(key, nowMs)`
 * runs once the scheduler's clock reaches it. A min-heap holds the deadlines
 * (a replaced one stays in it, marked stale by the map of live ones, until it
 * comes to the top or the heap is rebuilt), and a single timer is armed for
 * the earliest: thousands of bins settling cost one timer, not one each,
 * and resetting a deadline (a bin's every reading) is a heap push, not a
 * timer cancelled and made again. Deadlines due together fire in the order
 * they were set.
 */
export class DueTimers<K> {
  readonly #scheduler: SchedulerLike;
  readonly #onDue: (key: K, nowMs: number) => void;
  readonly #live = new Map<K, Entry<K>>();
  #heap: Entry<K>[] = [];
  #order = 0;
  #armed: { dueMs: number; action: Subscription } | undefined;
  #firing = false;

  constructor(scheduler: SchedulerLike, onDue: (key: K, nowMs: number) => void) {
    this.#scheduler = scheduler;
    this.#onDue = onDue;
  }

  /** Deadlines set and not yet due. */
  get size(): number {
    return this.#live.size;
  }

  /** The key's deadline, ms on the scheduler's clock; undefined removes it. */
  set(key: K, dueMs: number | undefined): void {
    const current = this.#live.get(key);
    if (current?.dueMs === dueMs) return;
    if (dueMs === undefined) {
      this.#live.delete(key);
      return;
    }
    const entry = { dueMs, order: this.#order++, key };
    this.#live.set(key, entry);
    this.#push(entry);
    if (this.#heap.length > 2 * this.#live.size + SLACK) this.#rebuild();
    // Only a deadline sooner than the armed one moves the timer; a stale one armed fires early and re-arms.
    if (!this.#firing && (this.#armed === undefined || dueMs < this.#armed.dueMs)) this.#arm();
  }

  /** Drops every deadline and the timer. */
  clear(): void {
    this.#live.clear();
    this.#heap = [];
    this.#armed?.action.unsubscribe();
    this.#armed = undefined;
  }

  /** The earliest live entry, dropping stale ones from the top. */
  #peek(): Entry<K> | undefined {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || this.#live.get(top.key) === top) return top;
      this.#pop();
    }
  }

  #arm(): void {
    const next = this.#peek();
    if (next === undefined) {
      this.#armed?.action.unsubscribe();
      this.#armed = undefined;
      return;
    }
    if (this.#armed !== undefined && this.#armed.dueMs <= next.dueMs) return;
    this.#armed?.action.unsubscribe();
    const delay = Math.max(0, next.dueMs - this.#scheduler.now());
    this.#armed = { dueMs: next.dueMs, action: this.#scheduler.schedule(() => this.#fire(), delay) };
  }

  #fire(): void {
    this.#armed = undefined;
    this.#firing = true;
    // A deadline set while firing waits for the next turn of the timer, even when already due: no key can
    // keep this loop going for ever.
    const setBefore = this.#order;
    try {
      for (;;) {
        const next = this.#peek();
        const nowMs = this.#scheduler.now();
        if (next === undefined || next.dueMs > nowMs || next.order >= setBefore) break;
        this.#pop();
        this.#live.delete(next.key);
        this.#onDue(next.key, nowMs);
      }
    } finally {
      this.#firing = false;
      this.#arm();
    }
  }

  #rebuild(): void {
    this.#heap = [...this.#live.values()].sort(before);
  }

  #push(entry: Entry<K>): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry<K>;
      if (before(p, entry) <= 0) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Entry<K>, heap[left] as Entry<K>) < 0 ? right : left;
      const c = heap[child] as Entry<K>;
      if (before(last, c) <= 0) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

function before<K>(a: Entry<K>, b: Entry<K>): number {
  return a.dueMs - b.dueMs || a.order - b.order;
}
