import { createHash } from "node:crypto";
import type { Telemetry } from "@tally/protocols";

/** One row of the ledger's telemetry hand-off: a committed batch's telemetry, in commit order. */
export interface HandoffRow {
  seq: number;
  telemetry: Telemetry[];
}

/** A hand-off row's size without its body. */
export interface HandoffRowSize {
  seq: number;
  points: number;
}

/**
 * The dedupe key of a hand-off row, from its readings' ids in order: `1:<id>` for one reading, otherwise the count and a SHA-1 of the ids in
 * order. The same batch delivered again has the same key, so its insert is ignored while its row waits.
 */
export function handoffKey(ids: readonly string[]): string {
  const [only] = ids;
  if (ids.length === 1 && only !== undefined) return `1:${only}`;
  // One update of the joined ids: an update a reading costs more than the hashing.
  const hash = createHash("sha1").update(ids.join("\n"));
  return `${ids.length}:${hash.digest("hex")}`;
}

/**
 * How many of `rows` (oldest first) a page of at most `maxPoints` takes: whole rows, and at least one even
 * when it alone is larger.
 */
export function rowsForPage(rows: readonly HandoffRowSize[], maxPoints: number): number {
  let points = 0;
  let taken = 0;
  for (const row of rows) {
    if (taken > 0 && points + row.points > maxPoints) break;
    points += row.points;
    taken += 1;
  }
  return taken;
}

/** What shedding `over` points takes from the oldest rows: whole rows, then the head of one more. */
export interface ShedPlan {
  drop: number[];
  trim?: { seq: number; points: number };
}

export function shedPlan(oldestFirst: readonly HandoffRowSize[], over: number): ShedPlan {
  const plan: ShedPlan = { drop: [] };
  let left = over;
  for (const row of oldestFirst) {
    if (left <= 0) break;
    if (row.points <= left) {
      plan.drop.push(row.seq);
      left -= row.points;
    } else {
      plan.trim = { seq: row.seq, points: left };
      left = 0;
    }
  }
  return plan;
}
