import type { ScenarioFault } from "@tally/protocols";
import type { Detection } from "../scenario.js";
import { type CompileContext, invalid } from "./context.js";
import { load, scan } from "./operator-steps.js";
import type { RecordFault } from "./record-fault.js";

export type StockFault = Extract<ScenarioFault, { kind: "mis-shelved" | "theft" }>;

/** Shrinkage: stock that goes where the ledger does not say (mis-shelved) or leaves unrecorded (theft). */
export function applyStockFault(ctx: CompileContext, fault: StockFault, at: number, record: RecordFault): void {
  switch (fault.kind) {
    case "mis-shelved":
      applyMisShelved(ctx, fault, at, record);
      return;
    case "theft":
      applyTheft(ctx, fault, at, record);
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
  if (ctx.shelfOf.has(fault.location)) {
    load(ctx, at, fault.location, fault.sku, -got.qty, false);
  } else {
    ctx.steps.push({ kind: "physical", at, sku: fault.sku, qty: got.qty, from: fault.location });
  }
  record({
    location: fault.location,
    detail: `${got.qty} ${fault.sku} stolen from ${fault.location}`,
    detectedBy: [{ source: "task", type: "COUNT_MISMATCH", location: fault.location }],
  });
}
