/**
 * A bounded cache of a pure function's results, for keys that mostly come
 * once (each tag's EPC): two maps, the newer one filled until it holds
 * `perGeneration` keys, then it becomes the older one and the oldest
 * generation is let go whole. A hit in the older generation is carried
 * over. At most 2 × `perGeneration` entries; no per-entry eviction, so no
 * walk over a `Map`'s deleted entries to find the oldest (what a `Map` used
 * as an LRU pays on every miss once it is full).
 */
export class TwoGenerationCache<K, V> {
  #newer = new Map<K, V>();
  #older = new Map<K, V>();

  constructor(private readonly perGeneration: number) {}

  /** The cached value of `key`, else `make(key)`, cached. */
  get(key: K, make: (key: K) => V): V {
    const hit = this.#newer.get(key);
    if (hit !== undefined) return hit;
    const old = this.#older.get(key);
    const value = old !== undefined ? old : make(key);
    if (this.#newer.size >= this.perGeneration) {
      this.#older = this.#newer;
      this.#newer = new Map();
    }
    this.#newer.set(key, value);
    return value;
  }

  /** Entries held, both generations (a key carried over may be in both). */
  get size(): number {
    return this.#newer.size + this.#older.size;
  }
}
