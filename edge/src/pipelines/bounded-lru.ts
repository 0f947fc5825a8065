/**
 * A map that keeps at most `maxKeys` entries, forgetting the least recently
 * set first: per-key state with a hard memory bound.
 */
export class BoundedLru<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(private readonly maxKeys: number) {}

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.maxKeys) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
