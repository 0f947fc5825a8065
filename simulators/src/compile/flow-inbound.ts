import type { ExpectedLine, ScenarioFlow } from "@tally/protocols";
import { PALLET_GAP_MS, SCAN_GAP_MS } from "./constants.js";
import { type CompileContext, invalid, type TruckFault, takeTruckFaults } from "./context.js";
import { load, scan } from "./operator-steps.js";

type InboundFlow = Extract<ScenarioFlow, { kind: "inbound" }>;

const add = (m: Map<string, number>, sku: string, n: number) => m.set(sku, (m.get(sku) ?? 0) + n);

/** What one truck brings: tags per SKU, untagged units per SKU (SSCC pallets), and what its ASN says. */
interface Truckload {
  received: Map<string, string[]>;
  untagged: Map<string, number>;
  expected: Map<string, number>;
  /** ASN lines: one per SKU of each SSCC pallet, then one per SKU of the item-tagged goods. */
  lines: ExpectedLine[];
  itemLines: Map<string, number>;
  /** When the truck's last pass ends (plus a gap). */
  endAt: number;
}

/** Truck `i` of an inbound flow: its passes, ASN, faults, document and putaway. */
export function compileInboundTruck(ctx: CompileContext, flow: InboundFlow, i: number, at: number): void {
  const door = ctx.portal(flow.doors[i % flow.doors.length] ?? "", "inbound");
  if (door.zonePortal !== undefined) throw invalid(ctx.where(`${door.id} is a zone portal, not a dock door`));
  for (const sku of flow.skus) ctx.gtinOf(sku);
  const faultsHere = takeTruckFaults(ctx, door.id);
  const truck = unloadPallets(ctx, flow, door.id, at);
  for (const f of faultsHere) applyTruckFault(ctx, flow, f, truck, door, i, at);
  const { received, untagged, expected, lines, itemLines } = truck;
  for (const [sku, tags] of received) ctx.stock.put(door.location, sku, tags.length, tags);
  for (const [sku, qty] of untagged) ctx.stock.put(door.location, sku, qty);
  const receivedQty = (sku: string) => (received.get(sku)?.length ?? 0) + (untagged.get(sku) ?? 0);
  const short = [...expected].some(([sku, q]) => receivedQty(sku) < q);
  ctx.asns.push({
    truck: i,
    door: door.id,
    atMs: at,
    expected: [...expected].map(([sku, qty]) => ({ sku, qty })),
    received: [...new Set([...received.keys(), ...untagged.keys()])].map((sku) => ({
      sku,
      qty: receivedQty(sku),
    })),
  });
  if (flow.expected !== undefined) {
    for (const [sku, qty] of itemLines) lines.push({ sku, qty });
    const receipt = { id: ctx.nextDocumentId("asn"), siteId: ctx.site.siteId, dock: door.location, lines };
    if (lines.length > 0) {
      ctx.steps.push({
        kind: "document",
        at: Math.max(0, at - flow.expected.lead),
        action: "open",
        document: { kind: "receipt", receipt },
      });
      ctx.steps.push({
        kind: "document",
        at: truck.endAt + flow.expected.closeAfter,
        action: "close",
        document: { kind: "receipt", receipt },
      });
    }
  }
  if (short && !faultsHere.some((f) => f.kind === "short-delivery")) {
    ctx.faults.push({
      kind: "asn-short",
      atMs: at,
      deviceId: door.id,
      location: door.location,
      detail: `truck ${i} at ${door.id} arrived short of its ASN`,
      detectedBy: [{ source: "task", type: "MISSING_EXPECTED", location: door.location }],
      ...(flow.expected !== undefined && { scoredBy: "tasks" as const }),
    });
  }
  if (flow.putaway !== undefined) putAwayTruck(ctx, flow.putaway, door.location, truck);
}

/** The truck's pallets through the door, one pass each: SSCC-labelled or item-tagged. */
function unloadPallets(ctx: CompileContext, flow: InboundFlow, doorId: string, at: number): Truckload {
  const { random } = ctx;
  const truck: Truckload = {
    received: new Map(),
    untagged: new Map(),
    expected: new Map(),
    lines: [],
    itemLines: new Map(),
    endAt: at,
  };
  const pallets = random.int(flow.pallets.min, flow.pallets.max);
  const passGap = (ctx.file.hardware.portals?.pass ?? 2000) + PALLET_GAP_MS;
  for (let p = 0; p < pallets; p++) {
    const n = random.int(flow.itemsPerPallet.min, flow.itemsPerPallet.max);
    if (flow.sscc > 0 && random.next() < flow.sscc) {
      // One SSCC label, untagged items: the ASN says what is on it.
      const contents = new Map<string, number>();
      for (let k = 0; k < n; k++) add(contents, flow.skus[random.int(0, flow.skus.length - 1)] ?? "", 1);
      const pallet = ctx.newPallet();
      for (const [sku, qty] of contents) {
        truck.lines.push({ sku, qty, sscc: pallet.sscc });
        add(truck.expected, sku, qty);
        add(truck.untagged, sku, qty);
      }
      ctx.steps.push({ kind: "portal-pass", at: truck.endAt, deviceId: doorId, epcs: [pallet.hex] });
      truck.endAt += passGap;
      continue;
    }
    const epcs: string[] = [];
    for (let k = 0; k < n; k++) {
      const sku = flow.skus[random.int(0, flow.skus.length - 1)] ?? "";
      add(truck.expected, sku, 1);
      add(truck.itemLines, sku, 1);
      if (flow.asnShortProbability > 0 && random.next() < flow.asnShortProbability) continue;
      const epc = ctx.newTag(ctx.gtinOf(sku));
      epcs.push(epc);
      const list = truck.received.get(sku);
      if (list === undefined) truck.received.set(sku, [epc]);
      else list.push(epc);
    }
    if (epcs.length > 0) ctx.steps.push({ kind: "portal-pass", at: truck.endAt, deviceId: doorId, epcs });
    truck.endAt += passGap;
  }
  return truck;
}

/** A short delivery (on the ASN, not on the truck) or unexpected items (on the truck, not on the ASN). */
function applyTruckFault(
  ctx: CompileContext,
  flow: InboundFlow,
  f: TruckFault,
  truck: Truckload,
  door: { id: string; location: string },
  i: number,
  at: number,
): void {
  if (f.kind === "short-delivery") {
    ctx.gtinOf(f.sku);
    add(truck.expected, f.sku, f.count);
    add(truck.itemLines, f.sku, f.count);
  } else {
    // A loose case after the pallets.
    const epcs = Array.from({ length: f.count }, () => ctx.newTag(ctx.gtinOf(f.sku)));
    ctx.steps.push({ kind: "portal-pass", at: truck.endAt, deviceId: door.id, epcs });
    truck.endAt += (ctx.file.hardware.portals?.pass ?? 2000) + PALLET_GAP_MS;
    truck.received.set(f.sku, [...(truck.received.get(f.sku) ?? []), ...epcs]);
  }
  ctx.faults.push({
    kind: f.kind,
    atMs: at,
    deviceId: door.id,
    location: door.location,
    detail:
      f.kind === "short-delivery"
        ? `truck ${i} at ${door.id}: ${f.count} ${f.sku} on the ASN, not on the truck`
        : `truck ${i} at ${door.id}: ${f.count} ${f.sku} on the truck, not on the ASN`,
    ...(flow.expected === undefined
      ? { detectedBy: [] }
      : {
          detectedBy: [
            {
              source: "task" as const,
              type: f.kind === "short-delivery" ? "MISSING_EXPECTED" : "UNEXPECTED_ITEM",
              location: door.location,
            },
          ],
          scoredBy: "tasks" as const,
        }),
  });
}

/** Everything the truck brought goes from the dock to its putaway location, one scan per SKU. */
function putAwayTruck(
  ctx: CompileContext,
  putaway: NonNullable<InboundFlow["putaway"]>,
  dock: string,
  truck: Truckload,
): void {
  let s = truck.endAt + putaway.after;
  for (const sku of new Set([...truck.received.keys(), ...truck.untagged.keys()])) {
    const to = putaway.to[sku];
    if (to === undefined) continue;
    ctx.location(to);
    const got = ctx.stock.take(dock, sku, Number.MAX_SAFE_INTEGER);
    if (got.qty === 0) continue;
    scan(ctx, s, putaway.scanner, sku, got.qty, "PUTAWAY", to, dock);
    ctx.stock.put(to, sku, got.qty, got.tags);
    load(ctx, s + 500, to, sku, got.qty);
    s += SCAN_GAP_MS;
  }
}
