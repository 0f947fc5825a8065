import type { Telemetry } from "@tally/protocols";
import { decodeHandoffBody, encodeHandoffBody, type HandoffReadings } from "../ledger/handoff-body.js";
import {
  type HandoffRow,
  type HandoffRowSize,
  handoffKey,
  rowsForPage,
  shedPlan,
} from "../ledger/telemetry-handoff.js";
import { type Column, num, placeholders, type SqlDb, type SqlDriver } from "./sql-driver.js";

/**
 * The ledger's telemetry hand-off (`telemetry_handoff`): one row per committed batch, its telemetry as one
 * body of columns (`encodeHandoffBody`), until the forwarder has written it to the telemetry store.
 */

const HANDOFF_COLUMNS: readonly Column[] = [
  { name: "id", type: "text" },
  { name: "points", type: "integer" },
  { name: "body", type: "text" },
];

/** Seqs a statement names at most (SQLite takes at most 32,766 parameters). */
const SEQ_SLICE = 10_000;

/** In the commit's transaction: the batch's telemetry as one row; a batch delivered again while it waits is not. */
export async function handOffTelemetryIn(tx: SqlDb, telemetry: readonly Telemetry[]): Promise<void> {
  if (telemetry.length === 0) return;
  const { body, ids } = encodeHandoffBody(telemetry);
  await tx.insertRows("telemetry_handoff", HANDOFF_COLUMNS, [[handoffKey(ids), telemetry.length, body]], {
    suffix: "ON CONFLICT (id) DO NOTHING",
  });
}

/**
 * In the commit's transaction: a batch's readings sent as columns, as one row of their own (their body made
 * by the ingest); the same readings delivered again while the row waits are not.
 */
export async function handOffReadingsIn(tx: SqlDb, readings: HandoffReadings): Promise<void> {
  if (readings.ids.length === 0) return;
  await tx.insertRows(
    "telemetry_handoff",
    HANDOFF_COLUMNS,
    [[handoffKey(readings.ids), readings.ids.length, readings.body]],
    {
      suffix: "ON CONFLICT (id) DO NOTHING",
    },
  );
}

/** Whole rows after `afterSeq`, oldest first, up to `maxPoints` points (at least one row). */
export async function pendingHandoff(db: SqlDb, maxPoints: number, afterSeq = 0): Promise<HandoffRow[]> {
  // Sizes first (the bodies stay on disk), at most one row a point; then the bodies of the rows the page takes.
  const sizes = await db.all<{ seq: unknown; points: unknown }>(
    "SELECT seq, points FROM telemetry_handoff WHERE seq > ? ORDER BY seq LIMIT ?",
    [afterSeq, Math.max(1, maxPoints)],
  );
  const taken = rowsForPage(sizes.map(toSize), maxPoints);
  if (taken === 0) return [];
  const lastSeq = num(sizes[taken - 1]?.seq);
  const rows = await db.all<{ seq: unknown; body: unknown }>(
    "SELECT seq, body FROM telemetry_handoff WHERE seq > ? AND seq <= ? ORDER BY seq",
    [afterSeq, lastSeq],
  );
  // Written by the commit from events the ingest had parsed: trusted, not checked again (the hot path).
  return rows.map((r) => ({ seq: num(r.seq), telemetry: decodeHandoffBody(String(r.body)) }));
}

/** The telemetry store has these rows: they leave the hand-off. */
export async function deleteHandoff(driver: SqlDriver, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  await driver.write(async (tx) => {
    for (let i = 0; i < seqs.length; i += SEQ_SLICE) await deleteSeqsIn(driver, tx, seqs.slice(i, i + SEQ_SLICE));
  });
}

/**
 * Past `keepPoints` points, the oldest go: whole rows, and the head of the row the bound cuts (rewritten with
 * the rest of its readings). How many points it dropped.
 */
export async function shedHandoff(driver: SqlDriver, keepPoints: number): Promise<number> {
  return driver.write(async (tx) => {
    const [total] = await tx.all<{ n: unknown }>("SELECT COALESCE(SUM(points), 0) AS n FROM telemetry_handoff");
    const over = num(total?.n ?? 0) - keepPoints;
    if (over <= 0) return 0;
    // The oldest go first: the newest readings say the most about now. At most one row a point to drop.
    const sizes = await tx.all<{ seq: unknown; points: unknown }>(
      `SELECT seq, points FROM telemetry_handoff ORDER BY seq LIMIT ?${driver.forUpdate}`,
      [over],
    );
    const plan = shedPlan(sizes.map(toSize), over);
    for (let i = 0; i < plan.drop.length; i += SEQ_SLICE)
      await deleteSeqsIn(driver, tx, plan.drop.slice(i, i + SEQ_SLICE));
    if (plan.trim !== undefined) {
      const [row] = await tx.all<{ body: unknown }>("SELECT body FROM telemetry_handoff WHERE seq = ?", [
        plan.trim.seq,
      ]);
      const rest = decodeHandoffBody(String(row?.body ?? "[]")).slice(plan.trim.points);
      await tx.run("UPDATE telemetry_handoff SET points = ?, body = ? WHERE seq = ?", [
        rest.length,
        encodeHandoffBody(rest).body,
        plan.trim.seq,
      ]);
    }
    return over;
  });
}

async function deleteSeqsIn(driver: SqlDriver, tx: SqlDb, seqs: readonly number[]): Promise<void> {
  // PostgreSQL: one array parameter (one plan whatever the count); SQLite: one parameter a seq.
  if (driver.kind === "postgres")
    await tx.run("DELETE FROM telemetry_handoff WHERE seq = ANY(?::bigint[])", [[...seqs]]);
  else await tx.run(`DELETE FROM telemetry_handoff WHERE seq IN (${placeholders(seqs.length)})`, [...seqs]);
}

function toSize(r: { seq: unknown; points: unknown }): HandoffRowSize {
  return { seq: num(r.seq), points: num(r.points) };
}
