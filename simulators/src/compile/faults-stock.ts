import type { ScenarioFault } from "@tally/protocols";
import { STUCK_READING_PERIOD_MS } from "../plan-shelf-readings.js";
import type { Detection } from "../scenario.js";
import { type CompileContext, invalid } from "./context.js";
import { load, scan } from "./operator-steps.js";
import type { RecordFault } from "./record-fault.js";

export type StockFault = Extract<ScenarioFault, { kind: "mis-shelved" | "theft" | "mis-pick" | "load-cell-fault" }>;

/**
 * Shrinkage and what hides it: stock put where the scan does not say
 * (mis-shelved), taken unrecorded (theft), taken other than scanned
 * (mis-pick), and a shelf's load cell misreading for a while.
 */
export function applyStockFault(ctx: CompileContext, fault: StockFault, at: number, record: RecordFault): void {
  switch (fault.kind) {
    case "mis-shelved":
      applyMisShelved(ctx, fault, at, record);
      return;
    case "theft":
      applyTheft(ctx, fault, at, record);
      return;
    case "mis-pick":
      applyMisPick(ctx, fault, at, record);
      return;
    case "load-cell-fault":
      applyLoadCellFault(ctx, fault, at, record);
      return;
  }
}

function applyMisShelved(
  ctx: CompileContext,
  fault: Extract<ScenarioFault, { kind: "mis-shelved" }>,
  at: number,
  record: RecordFault,
): void {
  ctx.location(fault.from);
  ctx.location(fault.intended);
  ctx.location(fault.actual);
  const got = ctx.stock.take(fault.from, fault.sku, fault.qty);
  if (got.qty === 0) throw invalid(ctx.where(`mis-shelved at ${at} ms: no ${fault.sku} at ${fault.from}`));
  scan(ctx, at, fault.scanner, fault.sku, got.qty, "PUTAWAY", fault.intended, fault.from, fault.actual);
  ctx.stock.put(fault.actual, fault.sku, got.qty, got.tags);
  load(ctx, at + 1000, fault.actual, fault.sku, got.qty);
  const detectedBy: Detection[] = [
    { source: "task", type: "WEIGHT_NOT_WHOLE_UNITS", location: fault.actual },
    { source: "task", type: "WRONG_ZONE", location: fault.actual },
    { source: "task", type: "COUNT_MISMATCH", location: fault.actual },
    { source: "task", type: "COUNT_MISMATCH", location: fault.intended },
    // The scan names a shelf bin whose weight never rises.
    ...(ctx.shelfOf.has(fault.intended)
      ? [{ source: "task" as const, type: "SCAN_WITHOUT_SHELF_CHANGE", location: fault.intended }]
      : []),
  ];
  record({
    location: fault.actual,
    detail: `${got.qty} ${fault.sku} scanned to ${fault.intended}, put on ${fault.actual}`,
    detectedBy,
  });
}

function applyTheft(
  ctx: CompileContext,
  fault: Extract<ScenarioFault, { kind: "theft" }>,
  at: number,
  record: RecordFault,
): void {
  ctx.location(fault.location);
  const got = ctx.stock.take(fault.location, fault.sku, fault.qty);
  if (got.qty === 0) throw invalid(ctx.where(`theft at ${at} ms: no ${fault.sku} at ${fault.location}`));
  const onShelf = ctx.shelfOf.has(fault.location);
  if (onShelf) {
    load(ctx, at, fault.location, fault.sku, -got.qty, { moves: false });
  } else {
    ctx.steps.push({ kind: "physical", at, sku: fault.sku, qty: got.qty, from: fault.location });
  }
  record({
    location: fault.location,
    detail: `${got.qty} ${fault.sku} stolen from ${fault.location}`,
    detectedBy: [
      { source: "task", type: "COUNT_MISMATCH", location: fault.location },
      // A drop nobody scanned, on a shelf that suspects those.
      ...(onShelf ? [{ source: "alert" as const, type: "SUSPECTED_THEFT", location: fault.location }] : []),
    ],
  });
}

/** The scan says one bin and count; the hand takes another. The taken units are the true PICK. */
function applyMisPick(
  ctx: CompileContext,
  fault: Extract<ScenarioFault, { kind: "mis-pick" }>,
  at: number,
  record: RecordFault,
): void {
  const scanned = ctx.location(fault.from);
  const takenFrom = ctx.location(fault.takenFrom ?? fault.from);
  const takenSku = ctx.shelfOf.get(takenFrom)?.sku ?? fault.sku;
  const got = ctx.stock.take(takenFrom, takenSku, fault.takenQty ?? fault.qty);
  if (got.qty === 0) throw invalid(ctx.where(`mis-pick at ${at} ms: no ${takenSku} at ${takenFrom}`));
  ctx.device(fault.scanner, "scanner");
  // The scan moves nothing in the truth: the weight that leaves is what was picked.
  ctx.steps.push({
    kind: "scan",
    at,
    deviceId: fault.scanner,
    gtin: ctx.gtinOf(fault.sku),
    qty: fault.qty,
    action: "PICK",
    location: scanned,
    moves: false,
  });
  if (ctx.shelfOf.has(takenFrom)) load(ctx, at, takenFrom, takenSku, -got.qty);
  else ctx.steps.push({ kind: "physical", at, sku: takenSku, qty: got.qty, from: takenFrom });
  const otherBin = takenFrom !== scanned;
  const detectedBy: Detection[] = [
    // Same bin, other count: scan and weight fused, their counts disagree.
    { source: "task", type: "SCAN_SHELF_QTY_MISMATCH", location: scanned },
    ...(otherBin
      ? [
          // The scanned bin's weight never moves; the other bin drops with no scan.
          { source: "task" as const, type: "SCAN_WITHOUT_SHELF_CHANGE", location: scanned },
          { source: "alert" as const, type: "SUSPECTED_THEFT", location: takenFrom },
          { source: "task" as const, type: "COUNT_MISMATCH", location: takenFrom },
        ]
      : []),
    { source: "task", type: "COUNT_MISMATCH", location: scanned },
  ];
  record({
    location: scanned,
    detail: `scanned ${fault.qty} ${fault.sku} from ${scanned}, took ${got.qty} ${takenSku} from ${takenFrom}`,
    detectedBy: ctx.shelfOf.has(scanned) || ctx.shelfOf.has(takenFrom) ? detectedBy : [],
  });
}

/** The bin's load cell misreads for the span; nothing moves on the bin meanwhile. */
function applyLoadCellFault(
  ctx: CompileContext,
  fault: Extract<ScenarioFault, { kind: "load-cell-fault" }>,
  at: number,
  record: RecordFault,
): void {
  const shelf = ctx.shelfOf.get(ctx.location(fault.location));
  if (shelf === undefined)
    throw invalid(ctx.where(`load-cell-fault at ${at} ms: ${fault.location} is not a shelf bin`));
  const device = ctx.device(shelf.deviceId, "shelf");
  if (device.kind !== "shelf") return;
  const bin = device.bins.find((b) => b.location === fault.location);
  if (fault.mode === "out-of-range" && bin?.capacityG === undefined) {
    throw invalid(
      ctx.where(
        `load-cell-fault at ${at} ms: out-of-range needs a capacityG on bin ${fault.location} in the site file`,
      ),
    );
  }
  const start = ctx.holdBin(fault.location, at, at + fault.duration);
  ctx.steps.push({
    kind: "load-cell-fault",
    at: start,
    deviceId: shelf.deviceId,
    location: fault.location,
    mode: fault.mode,
    durationMs: fault.duration,
  });
  const visible = fault.mode !== "stuck" || stuckIsVisible((device.stuckAfterS ?? 0) * 1000, fault.duration);
  record({
    endMs: start + fault.duration,
    deviceId: shelf.deviceId,
    location: fault.location,
    detail: `load cell of ${fault.location} ${fault.mode} for ${fault.duration} ms`,
    detectedBy: visible ? [{ source: "alert", type: "LOAD_CELL_FAULT", location: fault.location }] : [],
  });
}

/** The edge calls a cell stuck after this many identical readings in a row spanning its `stuckAfterS`. */
const EDGE_STUCK_MIN_REPEATS = 5;

/**
 * Whether a cell stuck for `durationMs` repeats itself long enough for a shelf that checks after
 * `stuckAfterMs` (0: it does not check) to see it.
 */
function stuckIsVisible(stuckAfterMs: number, durationMs: number): boolean {
  const lastIndex = Math.ceil(durationMs / STUCK_READING_PERIOD_MS) - 1;
  return (
    stuckAfterMs > 0 && lastIndex >= EDGE_STUCK_MIN_REPEATS - 1 && lastIndex * STUCK_READING_PERIOD_MS >= stuckAfterMs
  );
}
