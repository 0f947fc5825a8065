import type { ScenarioFlow } from "@tally/protocols";
import { SCAN_GAP_MS } from "./constants.js";
import { type CompileContext, invalid } from "./context.js";
import { load, scan } from "./operator-steps.js";

export type ReplenishmentFlow = Extract<ScenarioFlow, { kind: "replenishment" }>;

/**
 * One pick from a random location of the flow: scanned, or (no scanner) an
 * unscanned drop on a shelf bin. Returns the bin an unscanned pick came from,
 * for replenishment to look at.
 */
export function compilePick(
  ctx: CompileContext,
  flow: Extract<ScenarioFlow, { kind: "picks" }>,
  at: number,
): string | undefined {
  const { random } = ctx;
  const loc = ctx.location(flow.from[random.int(0, flow.from.length - 1)] ?? "");
  const skus = ctx.stock.skusAt(loc);
  const sku = skus[random.int(0, skus.length - 1)];
  if (sku === undefined) return undefined;
  const got = ctx.stock.take(loc, sku, random.int(flow.qty.min, flow.qty.max));
  if (got.qty === 0) return undefined;
  if (flow.scanner !== undefined) {
    scan(ctx, at, flow.scanner, sku, got.qty, "PICK", loc);
    // From a shelf bin, the weight goes too: the scan is the true movement.
    load(ctx, at, loc, sku, -got.qty, { scanned: true });
    return undefined;
  }
  if (!ctx.shelfOf.has(loc))
    throw invalid(ctx.where(`picks without a scanner must come from shelf bins; ${loc} is not one`));
  load(ctx, at, loc, sku, -got.qty);
  return loc;
}

/** A count scan of every SKU at the flow's next location. */
export function compileCycleCount(
  ctx: CompileContext,
  flow: Extract<ScenarioFlow, { kind: "cycle-count" }>,
  i: number,
  at: number,
): void {
  const loc = ctx.location(flow.locations[i % flow.locations.length] ?? "");
  let s = at;
  for (const sku of ctx.stock.skusAt(loc)) {
    scan(ctx, s, flow.scanner, sku, ctx.stock.entry(loc, sku).units, "COUNT", loc);
    s += SCAN_GAP_MS;
  }
}

/** Checks a replenishment flow's locations: it fills shelf bins only. */
export function checkReplenishment(ctx: CompileContext, flow: ReplenishmentFlow): void {
  ctx.location(flow.from);
  for (const b of flow.bins)
    if (!ctx.shelfOf.has(ctx.location(b))) throw invalid(ctx.where(`replenishment: ${b} is not a shelf bin`));
}

/** The replenishment flows that fill `bin` and find it below their threshold now. */
export function replenishmentsDue(ctx: CompileContext, flows: ReplenishmentFlow[], bin: string): ReplenishmentFlow[] {
  const units = () => ctx.stock.entry(bin, ctx.shelfOf.get(bin)?.sku ?? "").units;
  return flows.filter((flow) => flow.bins.includes(bin) && units() < flow.below);
}

/** Fills `bin` up to the flow's level from its reserve location: a scanned putaway and the load cell's side. */
export function compileReplenish(ctx: CompileContext, flow: ReplenishmentFlow, bin: string, at: number): void {
  const sku = ctx.shelfOf.get(bin)?.sku ?? "";
  const need = flow.upTo - ctx.stock.entry(bin, sku).units;
  if (need <= 0) return;
  const got = ctx.stock.take(flow.from, sku, need);
  if (got.qty === 0) return;
  scan(ctx, at, flow.scanner, sku, got.qty, "PUTAWAY", bin, flow.from);
  ctx.stock.put(bin, sku, got.qty, got.tags);
  load(ctx, at + 1000, bin, sku, got.qty);
}
