import { decodeSgtin96, type ScenarioFlow } from "@tally/protocols";
import { SCAN_GAP_MS } from "./constants.js";
import type { CompileContext } from "./context.js";
import { scan } from "./operator-steps.js";

type OutboundFlow = Extract<ScenarioFlow, { kind: "outbound" }>;

/** One outbound shipment: staged by scans, then through the door (an SSCC pallet or item tags). */
export function compileShipment(ctx: CompileContext, flow: OutboundFlow, at: number): void {
  if (flow.sscc) compileSsccShipment(ctx, flow, at);
  else compileTaggedShipment(ctx, flow, at);
}

/** Untagged units on one SSCC pallet, through the intended door or the one a wrong-dock fault sends it to. */
function compileSsccShipment(ctx: CompileContext, flow: OutboundFlow, at: number): void {
  const intended = ctx.portal(flow.door, "outbound");
  const want = ctx.random.int(flow.items.min, flow.items.max);
  const wrong = ctx.wrongDocks[0];
  const door = wrong === undefined ? intended : ctx.portal(wrong.device, "outbound");
  // The expected shipment says what is on the pallet.
  const contents = new Map<string, number>();
  let got = 0;
  let s = at;
  for (const loc of flow.from) {
    for (const sku of ctx.stock.skusAt(ctx.location(loc))) {
      const e = ctx.stock.entry(loc, sku);
      const n = Math.min(want - got, e.units - e.tagged.length);
      if (n <= 0) continue;
      ctx.stock.take(loc, sku, n); // untagged units go first
      scan(ctx, s, flow.scanner, sku, n, "PUTAWAY", door.location, loc);
      s += SCAN_GAP_MS;
      contents.set(sku, (contents.get(sku) ?? 0) + n);
      got += n;
    }
  }
  if (got === 0) return;
  const pallet = ctx.newPallet();
  const passAt = s + 30_000;
  ctx.steps.push({ kind: "portal-pass", at: passAt, deviceId: door.id, epcs: [pallet.hex] });
  const shipment = {
    id: ctx.nextDocumentId("shipment"),
    siteId: ctx.site.siteId,
    dock: intended.location,
    lines: [...contents].map(([sku, qty]) => ({ sku, qty, sscc: pallet.sscc })),
  };
  ctx.openAndClose({ kind: "shipment", shipment }, at, passAt, flow.expected);
  if (wrong === undefined) return;
  ctx.wrongDocks.shift();
  ctx.faults.push({
    kind: "wrong-dock",
    atMs: wrong.at,
    deviceId: door.id,
    location: door.location,
    detail: `pallet ${pallet.sscc} of ${shipment.id} (door ${intended.id}) staged at and shipped through ${door.id}`,
    detectedBy: [{ source: "task", type: "WRONG_DOCK", location: door.location }],
    scoredBy: "tasks",
  });
}

/** Tagged units only (what the portal will see leave), through the door. */
function compileTaggedShipment(ctx: CompileContext, flow: OutboundFlow, at: number): void {
  const door = ctx.portal(flow.door, "outbound");
  const want = ctx.random.int(flow.items.min, flow.items.max);
  const epcs: string[] = [];
  const contents = new Map<string, number>();
  let s = at;
  for (const loc of flow.from) {
    for (const sku of ctx.stock.skusAt(ctx.location(loc))) {
      if (epcs.length >= want) break;
      const e = ctx.stock.entry(loc, sku);
      const n = Math.min(want - epcs.length, e.tagged.length);
      if (n === 0) continue;
      e.units -= n;
      const tags = e.tagged.splice(0, n);
      scan(ctx, s, flow.scanner, sku, n, "PUTAWAY", door.location, loc);
      s += SCAN_GAP_MS;
      epcs.push(...tags);
      contents.set(sku, (contents.get(sku) ?? 0) + n);
    }
  }
  if (epcs.length === 0) return;
  ctx.steps.push({ kind: "portal-pass", at: s + 30_000, deviceId: door.id, epcs });
  ctx.shipped.push(...epcs);
  const shipment = {
    id: ctx.nextDocumentId("shipment"),
    siteId: ctx.site.siteId,
    dock: door.location,
    lines: [...contents].map(([sku, qty]) => ({ sku, qty })),
  };
  ctx.openAndClose({ kind: "shipment", shipment }, at, s + 30_000, flow.expected);
}

/** Tagged goods carried through a zone portal. */
export function compileTransfer(ctx: CompileContext, flow: Extract<ScenarioFlow, { kind: "transfer" }>, at: number) {
  const { from, to, device: d } = ctx.zonePortal(flow.portal);
  const want = ctx.random.int(flow.items.min, flow.items.max);
  const epcs: string[] = [];
  for (const sku of flow.skus ?? ctx.stock.skusAt(from)) {
    if (epcs.length >= want) break;
    epcs.push(...ctx.stock.carry(from, to, sku, want - epcs.length));
  }
  if (epcs.length > 0) ctx.steps.push({ kind: "portal-pass", at, deviceId: d.id, epcs });
}

/** Shipped tags come back through an inbound door, onto the door's location. */
export function compileReturn(ctx: CompileContext, flow: Extract<ScenarioFlow, { kind: "returns" }>, at: number) {
  const door = ctx.portal(flow.door, "inbound");
  const n = Math.min(ctx.shipped.length, ctx.random.int(flow.items.min, flow.items.max));
  if (n === 0) return;
  const epcs = ctx.shipped.splice(0, n);
  ctx.steps.push({ kind: "portal-pass", at, deviceId: door.id, epcs, movementType: "RETURN" });
  // The SKU comes from the EPC.
  for (const epc of epcs) {
    const decoded = decodeSgtin96(epc);
    const sku = decoded.ok ? ctx.skuByGtin.get(decoded.value.gtin) : undefined;
    if (sku !== undefined) ctx.stock.put(door.location, sku, 1, [epc]);
  }
}
