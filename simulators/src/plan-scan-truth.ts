import type { Device } from "@tally/protocols";
import { invalid, type PlanState, reach } from "./plan-state.js";
import type { ScanStep } from "./scenario.js";

/**
 * A barcode scan: checked as the edge checks it (locations known, a
 * PUTAWAY's fromLocation and no other's), and the movement it is, unless it
 * moves nothing (`moves: false`, an unknown item, a COUNT). `actual` is
 * what really happened when the scan says otherwise.
 */
export function planScanStep(state: PlanState, step: ScanStep, device: Device, where: string): void {
  const { locations, items, movements } = state;
  if (device.kind !== "scanner") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
  const knownLocation = (code: string | undefined, field: string): void => {
    if (code !== undefined && !locations.has(code)) throw invalid(`${where}: ${field}: unknown location ${code}`);
  };
  knownLocation(step.location, "location");
  knownLocation(step.fromLocation, "fromLocation");
  knownLocation(step.actual?.location, "actual.location");
  reach(state, step.at);
  if (step.action === "PUTAWAY" && step.fromLocation === undefined) {
    throw invalid(`${where}: a PUTAWAY scan needs fromLocation`);
  }
  // The edge refuses these as dead letters: a plan with them would expect movements that never come.
  if (step.action !== "PUTAWAY" && step.fromLocation !== undefined) {
    throw invalid(`${where}: only a PUTAWAY scan takes fromLocation`);
  }
  if (step.action === "PUTAWAY" && step.fromLocation === (step.location ?? device.location)) {
    throw invalid(`${where}: a PUTAWAY scan from ${step.fromLocation} to itself moves nothing`);
  }
  if (step.moves === false) return;
  const sku = step.actual?.sku ?? state.skuByGtin.get(step.gtin);
  if (sku === undefined) return; // an unknown item moves nothing the ledger can hold
  if (!items.has(sku)) throw invalid(`${where}: unknown sku ${sku}`);
  // A RETURN goes to the scanner's returns location, never its own, when the scan names none (as at the edge).
  const own = step.action === "RETURN" ? device.returnsLocation : device.location;
  const here = step.actual?.location ?? step.location ?? own;
  if (here === undefined) throw invalid(`${where}: a RETURN scan needs a location or the scanner's returnsLocation`);
  const base = {
    sku,
    qty: step.qty,
    ...(step.lot !== undefined && { lot: step.lot }),
    deviceId: device.id,
    atMs: step.at,
  };
  switch (step.action) {
    case "RECEIPT":
      movements.push({ movementType: "RECEIPT", to: here, ...base });
      return;
    case "PICK":
      movements.push({ movementType: "PICK", from: here, ...base });
      return;
    case "PUTAWAY":
      movements.push({ movementType: "PUTAWAY", from: step.fromLocation, to: here, ...base });
      return;
    case "SHIP":
      movements.push({ movementType: "SHIPMENT", from: here, ...base });
      return;
    case "RETURN":
      movements.push({ movementType: "RETURN", to: here, ...base });
      return;
    case "COUNT":
      return;
  }
}
