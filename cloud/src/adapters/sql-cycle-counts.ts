import type { CorrectionTask, Movement, Telemetry } from "@tally/protocols";
import { type CountPolicy, countOutcome } from "../ledger/count-outcome.js";
import type { Column, SqlDb } from "./sql-driver.js";

/** A cycle count's row in `counts`: a ledger fact, kept for good. */
export const COUNT_COLUMNS: readonly Column[] = [
  { name: "id", type: "text" },
  { name: "site_id", type: "text" },
  { name: "sku", type: "text" },
  { name: "location", type: "text" },
  { name: "value", type: "float8" },
  { name: "occurred_at", type: "timestamptz" },
];

/**
 * Cycle counts (`count:<sku>` telemetry at a location) compared with the
 * ledger's stock of that SKU there, per lot ({@link countOutcome}): each
 * disagreement is a COUNT_MISMATCH task with both figures, or, within the
 * count policy, a COUNT movement for the difference. Ids derive from the
 * count's, so a resend makes nothing twice.
 */
export async function countOutcomes(
  tx: SqlDb,
  telemetry: readonly Telemetry[],
  policy: CountPolicy,
): Promise<{ tasks: CorrectionTask[]; corrections: Movement[] }> {
  const tasks: CorrectionTask[] = [];
  const corrections: Movement[] = [];
  for (const t of telemetry) {
    if (!t.metric.startsWith("count:") || t.location === undefined) continue;
    const positions = await tx.all<{ lot: string; qty: unknown }>(
      "SELECT lot, qty FROM positions WHERE sku = ? AND location = ?",
      [t.metric.slice("count:".length), t.location],
    );
    const outcome = countOutcome(
      t,
      positions.map((p) => ({ lot: p.lot, qty: Number(p.qty) })),
      policy,
    );
    if (outcome.kind === "review") tasks.push(outcome.task);
    else if (outcome.kind === "correct") corrections.push(outcome.movement);
  }
  return { tasks, corrections };
}
