/**
 * What a burst of reads of one tag at one portal says about the tag crossing
 * the door: pure functions over the reads, no time, no I/O.
 */

/** One read as the presence tracker keeps it. */
export interface BurstRead {
  /** Device time (corrected for the reader's clock), ms since the epoch. */
  atMs: number;
  /**
   * The device time as the read said it, when that text is not the canonical
   * ISO 8601 form of `atMs` (which decoding makes every read's): a burst does
   * not hold a string per read for what a number already says.
   */
  at?: string | undefined;
  rssi: number;
  /** 1: an outer antenna; -1: an inner one; 0: neither (or a one-antenna door). */
  side: 1 | -1 | 0;
  id: string;
  /** When the edge received it, ms since the epoch, if known. */
  receivedAtMs?: number | undefined;
}

export type Direction = "inbound" | "outbound";

export interface EvidenceRules {
  /** Reads needed before anything is judged (the portal's `minReads`). */
  minReads: number;
  /** The two sides' mean read times must differ by at least this much, ms. */
  minDirectionGapMs: number;
  /**
   * Share of (outer, inner) read pairs that must agree on the order, as a
   * score from 0 (no order) to 1 (every outer read before every inner one,
   * or every one after).
   */
  minOrder: number;
  /** Reads needed on each side for the order to prove a crossing on its own. */
  minReadsPerSide: number;
}

export const DEFAULT_EVIDENCE_RULES: Omit<EvidenceRules, "minReads"> = {
  minDirectionGapMs: 100,
  minOrder: 0.75,
  minReadsPerSide: 2,
};

/**
 * - `crossing`: both sides read, in a clear order, with enough reads on each
 *   side: a movement on its own.
 * - `weak-crossing`: in a clear order, but with a single read on a side: a
 *   movement only alongside tags that clearly crossed with it.
 * - `one-sided`: one side read only: an approach that turned back, or a tag
 *   beside the door, unless tags that crossed with it say otherwise.
 * - `unordered`: both sides read in no consistent order.
 * - `signal`: at a one-antenna door, a read strength that rose and fell.
 * - `none`: too few reads to judge.
 */
export type EvidenceKind = "crossing" | "weak-crossing" | "one-sided" | "unordered" | "signal" | "none";

export interface Evidence {
  kind: EvidenceKind;
  /** The way the order (or, at a one-antenna door, the door) says the tag went. */
  direction?: Direction;
  /** When the tag passed between the antennas (or past the one antenna), ms since the epoch. */
  crossingAtMs?: number;
  /** For `one-sided` at a two-sided door: the side that read it. */
  side?: "outer" | "inner";
}

/**
 * Order score of reads on the two sides: +1 when every outer read came
 * before every inner read (inbound), −1 the reverse (outbound), near 0 when
 * they interleave. Counts pairs, so O(outer × inner); callers bound the reads.
 */
export function orderScore(reads: readonly BurstRead[]): number {
  let agree = 0;
  let pairs = 0;
  for (const o of reads) {
    if (o.side !== 1) continue;
    for (const i of reads) {
      if (i.side !== -1) continue;
      pairs++;
      if (o.atMs < i.atMs) agree++;
      else if (o.atMs > i.atMs) agree--;
    }
  }
  return pairs === 0 ? 0 : agree / pairs;
}

/** Evidence from reads at a door with antennas on both sides. */
export function twoSidedEvidence(reads: readonly BurstRead[], rules: EvidenceRules): Evidence {
  if (reads.length < rules.minReads) return { kind: "none" };
  let outerN = 0;
  let innerN = 0;
  let outerSum = 0;
  let innerSum = 0;
  for (const r of reads) {
    if (r.side === 1) {
      outerN++;
      outerSum += r.atMs;
    } else if (r.side === -1) {
      innerN++;
      innerSum += r.atMs;
    }
  }
  if (outerN === 0 || innerN === 0) return { kind: "one-sided", side: outerN > 0 ? "outer" : "inner" };
  const outerMean = outerSum / outerN;
  const innerMean = innerSum / innerN;
  const score = orderScore(reads);
  if (Math.abs(score) < rules.minOrder || Math.abs(innerMean - outerMean) < rules.minDirectionGapMs) {
    return { kind: "unordered" };
  }
  const direction: Direction = score > 0 ? "inbound" : "outbound";
  // Between the two sides: the mean of each side's mean read time.
  const crossingAtMs = Math.round((outerMean + innerMean) / 2);
  const enough = outerN >= rules.minReadsPerSide && innerN >= rules.minReadsPerSide;
  return { kind: enough ? "crossing" : "weak-crossing", direction, crossingAtMs };
}

/**
 * Evidence from reads at a one-antenna door: the strength must rise to a
 * peak and fall again by `riseDb` on both sides of it (a tag carried past
 * the antenna), within the burst; a flat strength is a tag standing there.
 * The door's direction is the way it went.
 */
export function oneAntennaEvidence(
  reads: readonly BurstRead[],
  rules: EvidenceRules,
  riseDb: number,
  doorDirection: Direction,
): Evidence {
  if (reads.length < rules.minReads) return { kind: "none" };
  let peak = reads[0] as BurstRead;
  for (const r of reads) if (r.rssi > peak.rssi) peak = r;
  let before = Number.POSITIVE_INFINITY;
  let after = Number.POSITIVE_INFINITY;
  for (const r of reads) {
    if (r.atMs < peak.atMs && r.rssi < before) before = r.rssi;
    if (r.atMs > peak.atMs && r.rssi < after) after = r.rssi;
  }
  // Both ways: a tag standing there is read at a strength that wanders by a few dB, never by `riseDb`
  // up and then down again.
  if (before === Number.POSITIVE_INFINITY || after === Number.POSITIVE_INFINITY) return { kind: "one-sided" };
  if (peak.rssi - before < riseDb || peak.rssi - after < riseDb) return { kind: "one-sided" };
  return { kind: "signal", direction: doorDirection, crossingAtMs: peak.atMs };
}
