import type { TagPass } from "./detect-passes.js";

/** What `strongerPass` weighs of a pass, and where and when its support is counted. */
export type PassRank = Pick<
  TagPass,
  "portalId" | "verdict" | "evidence" | "directionFrom" | "maxRssi" | "reads" | "lastAt" | "crossingAt"
>;

/**
 * What a pass let through must still tell about itself while it can beat a
 * later rival at a neighbouring door: which door, how strong its proof was
 * (`strongerPass`), and when it was read. Not its evidence ids or device
 * times: those are what made a kept pass cost a kilobyte.
 */
export type PassStrength = PassRank & {
  /** Device times of its first and last read, ms. */
  firstMs: number;
  lastMs: number;
  /** Edge receive times of its reads, ms, when the reader said. */
  receivedFromMs?: number | undefined;
  receivedToMs?: number | undefined;
};

/** A pass's strength, without what a rival check does not read. */
export function strengthOf(pass: TagPass, firstMs: number, lastMs: number): PassStrength {
  return {
    portalId: pass.portalId,
    verdict: pass.verdict,
    evidence: pass.evidence,
    directionFrom: pass.directionFrom,
    maxRssi: pass.maxRssi,
    reads: pass.reads,
    lastAt: pass.lastAt,
    crossingAt: pass.crossingAt,
    firstMs,
    lastMs,
    receivedFromMs: pass.receivedFromMs,
    receivedToMs: pass.receivedToMs,
  };
}

/** A pass let through, as kept. */
export interface KeptPass {
  epc: string;
  strength: PassStrength;
  /** Scheduler time it was let through. */
  atMs: number;
}

const NONE: readonly KeptPass[] = [];

/**
 * The passes let through in the last `keepMs` (scheduler time), by tag: a
 * later weaker rival of one of them at a neighbouring door is dropped. Kept
 * in the order they were let through, so the expired ones leave from the
 * front as each new one comes (no sweep over all tags), and at most
 * `maxPasses` (the oldest leave first): memory is bounded by the count,
 * whatever the rate. Pure: times are passed in.
 */
export class RecentPasses {
  readonly #byEpc = new Map<string, KeptPass[]>();
  /** Every kept pass, oldest first, from `#head` on. */
  #order: KeptPass[] = [];
  #head = 0;

  constructor(
    private readonly keepMs: number,
    private readonly maxPasses: number,
  ) {}

  /** Remembers a pass let through at `nowMs`, and forgets what is too old or too many. */
  add(epc: string, strength: PassStrength, nowMs: number): void {
    this.expire(nowMs);
    const kept: KeptPass = { epc, strength, atMs: nowMs };
    const list = this.#byEpc.get(epc);
    if (list === undefined) this.#byEpc.set(epc, [kept]);
    else list.push(kept);
    this.#order.push(kept);
    while (this.size > this.maxPasses) this.#dropOldest();
  }

  /** The passes of `epc` let through within `keepMs` of `nowMs`, oldest first. */
  of(epc: string, nowMs: number): readonly KeptPass[] {
    this.expire(nowMs);
    return this.#byEpc.get(epc) ?? NONE;
  }

  /** Forgets the passes let through `keepMs` or more before `nowMs`. */
  expire(nowMs: number): void {
    while (this.size > 0 && nowMs - (this.#order[this.#head] as KeptPass).atMs >= this.keepMs) this.#dropOldest();
  }

  /** Passes kept. */
  get size(): number {
    return this.#order.length - this.#head;
  }

  clear(): void {
    this.#byEpc.clear();
    this.#order = [];
    this.#head = 0;
  }

  #dropOldest(): void {
    const oldest = this.#order[this.#head] as KeptPass;
    this.#head++;
    // Compact once the dropped front is most of the array: amortised O(1) per pass.
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    const list = this.#byEpc.get(oldest.epc);
    if (list === undefined) return;
    // A tag's passes are kept in the same order: its oldest is first.
    list.shift();
    if (list.length === 0) this.#byEpc.delete(oldest.epc);
  }
}
