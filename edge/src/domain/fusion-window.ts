/** Which side of the fusion an item came from. */
export type FusionSide = "scan" | "shelf";

/** What the window decided about items, in the order it decided. */
export type FusionPairing<T> =
  | { kind: "pair"; scan: T; shelf: T }
  /** Nothing from the other side came within the window (or the bin's queue was full). */
  | { kind: "alone"; side: FusionSide; item: T };

interface Pending<T> {
  item: T;
  atMs: number;
  windowMs: number;
}

/** At most this many items wait per bin and direction: a flood resolves its oldest at once rather than grow. */
export const MAX_PENDING_PER_KEY = 64;

/**
 * Pairs scans with shelf changes of the same key (bin, SKU, direction)
 * that arrive within a window of each other, in either order, oldest
 * first. Pure state driven by arrivals and clock ticks (`nextDueMs` says
 * when one is needed), in ms of the edge's clock: scanner and shelf
 * clocks are not compared, since neither is trusted against the other.
 *
 * An item pairs with the oldest waiting item of the other side whose
 * window has not run out: an arrival `d` ms after it pairs when
 * `d < windowMs` (so a window of 0 pairs nothing). Keys come from the
 * site file's bins, and each key's queue is capped, so state is bounded.
 */
export class FusionWindow<T> {
  readonly #waiting = new Map<string, { scan: Pending<T>[]; shelf: Pending<T>[] }>();

  /** An item of `side` for `key`, waiting at most `windowMs` for its other half. */
  arrive(side: FusionSide, key: string, item: T, windowMs: number, nowMs: number): FusionPairing<T>[] {
    const out = this.tick(nowMs);
    const queues = this.#waiting.get(key) ?? { scan: [], shelf: [] };
    const other = side === "scan" ? queues.shelf : queues.scan;
    const match = other.shift();
    if (match !== undefined) {
      out.push(
        side === "scan"
          ? { kind: "pair", scan: item, shelf: match.item }
          : { kind: "pair", scan: match.item, shelf: item },
      );
    } else if (windowMs <= 0) {
      out.push({ kind: "alone", side, item });
    } else {
      const own = side === "scan" ? queues.scan : queues.shelf;
      own.push({ item, atMs: nowMs, windowMs });
      if (own.length > MAX_PENDING_PER_KEY) {
        const oldest = own.shift();
        if (oldest !== undefined) out.push({ kind: "alone", side, item: oldest.item });
      }
    }
    if (queues.scan.length + queues.shelf.length === 0) this.#waiting.delete(key);
    else this.#waiting.set(key, queues);
    return out;
  }

  /** When the next waiting item runs out of window, ms; undefined: nothing waits. */
  nextDueMs(): number | undefined {
    let due: number | undefined;
    for (const q of this.#waiting.values())
      for (const p of [q.scan[0], q.shelf[0]])
        if (p !== undefined && (due === undefined || p.atMs + p.windowMs < due)) due = p.atMs + p.windowMs;
    return due;
  }

  /** The clock reached `nowMs`: items whose window ran out are alone. */
  tick(nowMs: number): FusionPairing<T>[] {
    const out: FusionPairing<T>[] = [];
    for (const [key, q] of this.#waiting) {
      for (const side of ["scan", "shelf"] as const) {
        const queue = q[side];
        // Queues are in arrival order, but windows differ per shelf only between keys: the head runs out first.
        while (queue[0] !== undefined && nowMs - queue[0].atMs >= queue[0].windowMs) {
          const p = queue.shift();
          if (p !== undefined) out.push({ kind: "alone", side, item: p.item });
        }
      }
      if (q.scan.length + q.shelf.length === 0) this.#waiting.delete(key);
    }
    return out;
  }

  /** Items still waiting (for a gauge and tests). */
  get size(): number {
    let n = 0;
    for (const q of this.#waiting.values()) n += q.scan.length + q.shelf.length;
    return n;
  }
}
