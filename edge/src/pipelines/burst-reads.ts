import type { BurstRead } from "./crossing-evidence.js";

/**
 * The reads of one open burst, kept as columns until the burst is judged. A
 * burst stays open for its silence (seconds) after its last read, so what it
 * keeps outlives the young generation: one object per read held that long
 * is what the garbage collector copies and then sweeps from the old one.
 * Numbers in arrays of their own are stored unboxed; the read objects the
 * evidence rules take are made once, when the burst is judged, and die young.
 */
export class BurstReads {
  readonly #atMs: number[] = [];
  readonly #rssi: number[] = [];
  readonly #side: (1 | -1 | 0)[] = [];
  /** NaN when the reader did not say. */
  readonly #receivedAtMs: number[] = [];
  readonly #at: string[] = [];
  readonly #ids: string[] = [];

  get length(): number {
    return this.#atMs.length;
  }

  /** A read at `atMs` (device time, corrected) on `side`; the rest from the read as it came (no object made). */
  push(atMs: number, side: 1 | -1 | 0, read: Pick<BurstRead, "at" | "rssi" | "id" | "receivedAtMs">): void {
    this.#atMs.push(atMs);
    this.#rssi.push(read.rssi);
    this.#side.push(side);
    this.#receivedAtMs.push(read.receivedAtMs ?? Number.NaN);
    this.#at.push(read.at);
    this.#ids.push(read.id);
  }

  /** Forgets the oldest read; answers its strength (−∞ when there was none). */
  dropOldest(): number {
    if (this.length === 0) return Number.NEGATIVE_INFINITY;
    this.#atMs.shift();
    this.#side.shift();
    this.#receivedAtMs.shift();
    this.#at.shift();
    this.#ids.shift();
    return this.#rssi.shift() as number;
  }

  /** The strongest read, dBm; −∞ when there is none. */
  maxRssi(): number {
    let max = Number.NEGATIVE_INFINITY;
    for (const rssi of this.#rssi) if (rssi > max) max = rssi;
    return max;
  }

  /** The reads as objects, oldest first. */
  toReads(): BurstRead[] {
    const reads = new Array<BurstRead>(this.length);
    for (let i = 0; i < reads.length; i++) {
      const receivedAtMs = this.#receivedAtMs[i] as number;
      reads[i] = {
        atMs: this.#atMs[i] as number,
        at: this.#at[i] as string,
        rssi: this.#rssi[i] as number,
        side: this.#side[i] as 1 | -1 | 0,
        id: this.#ids[i] as string,
        receivedAtMs: Number.isNaN(receivedAtMs) ? undefined : receivedAtMs,
      };
    }
    return reads;
  }
}
