/**
 * Remembers keys for `ttlMs` after they were last touched, at most `maxKeys`
 * of them (the least recently touched go first). Time comes from the caller,
 * so it works in virtual time.
 */
export class BoundedRecency {
  readonly #lastSeen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Touches `key` at `now`; true when it was not remembered (first sight, or seen longer than ttl ago). */
  touch(key: string, now: number): boolean {
    this.#expire(now);
    const seen = this.#lastSeen.has(key);
    this.#lastSeen.delete(key);
    this.#lastSeen.set(key, now);
    if (this.#lastSeen.size > this.maxKeys) {
      const oldest = this.#lastSeen.keys().next();
      if (!oldest.done) this.#lastSeen.delete(oldest.value);
    }
    return !seen;
  }

  get size(): number {
    return this.#lastSeen.size;
  }

  #expire(now: number): void {
    for (const [key, at] of this.#lastSeen) {
      if (now - at <= this.ttlMs) break;
      this.#lastSeen.delete(key);
    }
  }
}
