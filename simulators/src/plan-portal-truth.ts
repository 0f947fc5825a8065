import { type Device, decodeEpc, zoneOfLocation } from "@tally/protocols";
import { linesOf, remaining } from "./plan-documents.js";
import { DEFAULT_READS_PER_TAG, passLength } from "./plan-portal-pass.js";
import { invalid, type PlanState, reach } from "./plan-state.js";
import type { ExpectedTask, PortalPassStep } from "./scenario.js";

type Portal = Extract<Device, { kind: "rfid-portal" }>;

/** Zone kinds that keep stock, where an item of another temperature class is in the wrong zone (DESIGN: wrong zone). */
const KEEPING_ZONE_KINDS: ReadonlySet<string> = new Set(["storage", "picking", "quarantine"]);

/**
 * A portal pass: checked (the device is a portal, reads per tag, EPCs, the
 * neighbour), and unless the tags are parked or turn back, what a correct
 * edge makes of it (`passTruth`).
 */
export function planPortalPassStep(state: PlanState, step: PortalPassStep, device: Device, where: string): void {
  const { hw, devices } = state;
  if (device.kind !== "rfid-portal") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
  const passMs = passLength(step, hw);
  if (!(passMs > 0)) throw invalid(`${where}: passMs must be > 0`);
  const perTag = step.readsPerTag ?? hw.portals?.readsPerTag ?? DEFAULT_READS_PER_TAG;
  if (!Number.isInteger(perTag.min) || perTag.min < 1 || !Number.isInteger(perTag.max) || perTag.max < perTag.min) {
    throw invalid(`${where}: readsPerTag needs integers 1 ≤ min ≤ max`);
  }
  if (step.epcs.length === 0) throw invalid(`${where}: no EPCs`);
  const neighbour = hw.portals?.neighbours[device.id];
  if (neighbour !== undefined && devices.get(neighbour)?.kind !== "rfid-portal") {
    throw invalid(`${where}: neighbour ${neighbour} of ${device.id} is not a portal`);
  }
  reach(state, step.at + passMs);
  if (step.parked === true || step.aborted !== undefined) return;
  if (step.movementType === "RETURN" && device.direction !== "inbound") {
    throw invalid(`${where}: returns come in through an inbound portal`);
  }
  passTruth(state, step, device);
}

/** A tag's lines: one unit of an item, or the lines an open document lists for a pallet. */
type TagLine = { sku: string; qty: number; epc?: string; sscc?: string };

/**
 * What a correct edge makes of one pass, per tag, as the DESIGN's task
 * rules say: movements (RECEIPT/SHIPMENT at dock doors, TRANSFER through
 * zone portals; an SSCC pallet moves the lines its open document lists)
 * and tasks (UNKNOWN_TAG, UNEXPECTED_ITEM, WRONG_DOCK, WRONG_ZONE).
 */
function passTruth(state: PlanState, step: PortalPassStep, device: Portal): void {
  const { movements, items, zones, openDocs } = state;
  const inbound = device.direction === "inbound";
  const zp = device.zonePortal;
  const place = zp
    ? inbound
      ? { from: zp.outside, to: zp.inside }
      : { from: zp.inside, to: zp.outside }
    : inbound
      ? { to: device.location }
      : { from: device.location };
  const movementType = zp ? "TRANSFER" : (step.movementType ?? (inbound ? "RECEIPT" : "SHIPMENT"));
  const task = (t: Omit<ExpectedTask, "atMs">): void => {
    state.tasks.push({ ...t, atMs: step.at });
  };
  const passMs = passLength(step, state.hw);
  const receiptsHere = [...openDocs.values()].filter(
    (d) => d.document.kind === "receipt" && (d.document.receipt.dock ?? device.location) === device.location,
  );
  for (const epc of new Set(step.epcs.map((e) => e.toUpperCase()))) {
    const lines = tagLines(state, epc, device, task);
    if (lines === undefined) continue;
    for (const line of lines) {
      movements.push({
        movementType,
        sku: line.sku,
        qty: line.qty,
        ...place,
        ...(line.epc !== undefined && { epc: line.epc }),
        ...(line.sscc !== undefined && { sscc: line.sscc }),
        deviceId: device.id,
        atMs: step.at,
        crossing: { atMs: step.at + passMs / 2, passMs },
      });
      const item = items.get(line.sku);
      const zone = place.to === undefined ? undefined : zones.get(zoneOfLocation(place.to));
      if (
        place.to !== undefined &&
        item !== undefined &&
        zone !== undefined &&
        KEEPING_ZONE_KINDS.has(zone.kind) &&
        zone.temperatureClass !== item.temperatureClass
      ) {
        task({
          taskType: "WRONG_ZONE",
          location: place.to,
          sku: line.sku,
          ...(line.epc !== undefined && { epc: line.epc }),
          detail: `${line.sku} (${item.temperatureClass}) into ${zone.id} (${zone.temperatureClass})`,
        });
      }
      if (!inbound || zp !== undefined || receiptsHere.length === 0) continue;
      const receipt = receiptsHere.find((r) => remaining(r, line.sku) >= line.qty);
      if (receipt === undefined) {
        task({
          taskType: "UNEXPECTED_ITEM",
          location: device.location,
          sku: line.sku,
          ...(line.epc !== undefined && { epc: line.epc }),
          detail: `${line.qty} × ${line.sku} beyond the open expected receipts at ${device.location}`,
        });
      } else {
        receipt.seen.set(line.sku, (receipt.seen.get(line.sku) ?? 0) + line.qty);
      }
    }
  }
}

/**
 * What one tag of a pass moves, or undefined (and the task a correct edge
 * raises) when it names no known item and no pallet on an open document.
 * A pallet leaving through another dock than its shipment's moves, and is a
 * WRONG_DOCK task.
 */
function tagLines(
  state: PlanState,
  epc: string,
  device: Portal,
  task: (t: Omit<ExpectedTask, "atMs">) => void,
): TagLine[] | undefined {
  const decoded = decodeEpc(epc);
  if (!decoded.ok) {
    task({ taskType: "UNKNOWN_TAG", location: device.location, detail: `EPC ${epc} does not decode` });
    return undefined;
  }
  const tag = decoded.value;
  if (tag.scheme === "sgtin-96" || tag.scheme === "sgtin-198") {
    const sku = state.skuByGtin.get(tag.gtin);
    if (sku === undefined) {
      task({
        taskType: "UNKNOWN_TAG",
        location: device.location,
        epc: tag.pureIdentityUri,
        detail: `GTIN ${tag.gtin} is in no item master`,
      });
      return undefined;
    }
    return [{ sku, qty: 1, epc: tag.pureIdentityUri }];
  }
  if (tag.scheme === "sscc-96") {
    const kind = device.direction === "inbound" ? "receipt" : "shipment";
    const doc = [...state.openDocs.values()].find(
      (d) => d.document.kind === kind && linesOf(d.document).some((l) => l.sscc === tag.sscc),
    )?.document;
    if (doc === undefined) {
      task({
        taskType: "UNEXPECTED_ITEM",
        location: device.location,
        epc: tag.pureIdentityUri,
        detail: `pallet ${tag.sscc} is on no open expected ${kind}`,
      });
      return undefined;
    }
    const lines = linesOf(doc)
      .filter((l) => l.sscc === tag.sscc)
      .map((l) => ({ sku: l.sku, qty: l.qty, sscc: tag.sscc }));
    if (doc.kind === "shipment" && doc.shipment.dock !== device.location) {
      task({
        taskType: "WRONG_DOCK",
        location: device.location,
        epc: tag.pureIdentityUri,
        detail: `pallet ${tag.sscc} of shipment ${doc.shipment.id} left through ${device.location}, not ${doc.shipment.dock}`,
      });
    }
    return lines;
  }
  task({
    taskType: "UNKNOWN_TAG",
    location: device.location,
    epc: tag.pureIdentityUri,
    detail: `${tag.pureIdentityUri} is not an item or a pallet`,
  });
  return undefined;
}
