import type { Device } from "@tally/protocols";
import { invalid, type PlanState, reach } from "./plan-state.js";
import type { LoadCellFaultStep, ShelfLoadStep } from "./scenario.js";

/**
 * Units put on or taken off a shelf's bin: checked (a known bin, an item
 * with a unit weight, never below zero units). A drop nobody scanned is a
 * PICK by the shelf, or stock gone unrecorded when it `moves: false`; a
 * rise, or a scanned drop, is the physical side of a scan.
 */
export function planShelfLoadStep(state: PlanState, step: ShelfLoadStep, device: Device, where: string): void {
  if (device.kind !== "shelf") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
  const bin = device.bins.find((b) => b.location === step.location);
  if (bin === undefined) throw invalid(`${where}: shelf ${device.id} has no bin at ${step.location}`);
  const sku = step.sku ?? bin.sku;
  const unitWeightG = state.items.get(sku)?.unitWeightG;
  if (unitWeightG === undefined) throw invalid(`${where}: item ${sku} has no unitWeightG`);
  if (!Number.isInteger(step.units) || step.units === 0) throw invalid(`${where}: units must be a non-zero integer`);
  const unitsKey = `${device.id}\u0000${bin.location}\u0000${sku}`;
  const units = (state.binUnits.get(unitsKey) ?? 0) + step.units;
  if (units < 0) throw invalid(`${where}: bin ${bin.location} would hold ${units} units`);
  state.binUnits.set(unitsKey, units);
  reach(state, step.at + (state.hw.shelves?.settle ?? 0));
  // A rise is the physical side of a PUTAWAY already scanned; a `scanned` drop that of a PICK.
  if (step.units > 0 || step.scanned === true) return;
  const taken = { sku, qty: -step.units, from: bin.location, atMs: step.at };
  if (step.moves === false) state.unrecorded.push(taken);
  else state.movements.push({ movementType: "PICK", ...taken, deviceId: device.id });
}

/** A load cell misreading for a span: checked (a known bin, a capacity to read beyond, a duration). */
export function planLoadCellFaultStep(state: PlanState, step: LoadCellFaultStep, device: Device, where: string): void {
  if (device.kind !== "shelf") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
  const bin = device.bins.find((b) => b.location === step.location);
  if (bin === undefined) throw invalid(`${where}: shelf ${device.id} has no bin at ${step.location}`);
  if (step.mode === "out-of-range" && bin.capacityG === undefined)
    throw invalid(`${where}: an out-of-range fault needs the bin's capacityG`);
  if (!(step.durationMs > 0)) throw invalid(`${where}: durationMs must be > 0`);
  reach(state, step.at + step.durationMs);
}
