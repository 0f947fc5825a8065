/**
 * A first-in, first-out list whose oldest entries leave from the front as
 * new ones come: `shift` on a large array copies the whole array (past
 * about 16,000 entries V8 cannot move the array's start in place), so the
 * front is an index instead and the array is compacted once the dropped
 * part is most of it. Amortised O(1) per entry, whatever its length.
 */
export class FifoWindow<T> {
  #items: T[] = [];
  #head = 0;

  push(item: T): void {
    this.#items.push(item);
  }

  /** Drops entries from the front while `drop(oldest, length)` says so (length before the drop). */
  dropWhile(drop: (oldest: T, length: number) => boolean): void {
    while (this.length > 0 && drop(this.#items[this.#head] as T, this.length)) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The entries, oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T;
  }

  /** The entries that meet `keep`, oldest first, as a new array. */
  filter(keep: (item: T) => boolean): T[] {
    const out: T[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i] as T;
      if (keep(item)) out.push(item);
    }
    return out;
  }
}
