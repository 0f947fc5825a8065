import type { Device, HardwareProfile, ShelfBin, SiteLayout } from "@tally/protocols";
import type { Indexed } from "./plan-state.js";
import type { PlannedAction } from "./plan-types.js";
import type { Random } from "./random.js";
import type { LoadCellFaultStep, ScenarioStep, ShelfLoadStep } from "./scenario.js";

/** A swinging load cell reports this often until it settles, ms. */
export const SHELF_SWING_PERIOD_MS = 100;

/** A stuck cell repeats its value this often, ms of scenario time. */
export const STUCK_READING_PERIOD_MS = 5000;
/** How far above its capacity an out-of-range cell reads, as a share of the capacity (at least 1 kg). */
const OVER_CAPACITY_SHARE = 0.5;
/** How far below its tare a negative cell reads, g: far past any bin's tolerance. */
const NEGATIVE_OFFSET_G = 5000;

/** One weight reading of a bin, as the planner sends it. */
export interface LoadCellReading {
  atMs: number;
  grams: number;
}

/**
 * The readings of a bin whose load cell misreads for a span: what the
 * fault makes it report, then the bin's true weight (with the profile's
 * noise) once it ends. `trueGrams` is the bin's weight during the span
 * (nothing moves on it: the compiler keeps loads of the bin out of it).
 */
export function loadCellFaultReadings(
  step: LoadCellFaultStep,
  bin: ShelfBin,
  trueGrams: number,
  random: Random,
  hw: HardwareProfile,
): LoadCellReading[] {
  const tareG = bin.tareG ?? 0;
  const end = step.at + step.durationMs;
  const noiseG = hw.shelves?.noiseG ?? 0;
  const back = Math.round((tareG + trueGrams + (noiseG > 0 ? random.between(-noiseG, noiseG) : 0)) * 10) / 10;
  const out: LoadCellReading[] = [];
  switch (step.mode) {
    case "stuck": {
      // The value it froze at: exactly the same every time, as no live cell's noise allows.
      const frozen = Math.round(tareG + trueGrams);
      for (let t = step.at; t < end; t += STUCK_READING_PERIOD_MS) out.push({ atMs: t, grams: frozen });
      break;
    }
    case "out-of-range": {
      const capacity = bin.capacityG ?? 0;
      out.push({ atMs: step.at, grams: capacity + Math.max(1000, capacity * OVER_CAPACITY_SHARE) });
      break;
    }
    case "negative":
      out.push({ atMs: step.at, grams: tareG - NEGATIVE_OFFSET_G });
      break;
  }
  // Reading true again: a value the stuck one was not, so the edge sees the cell live.
  const frozenLast = out.at(-1)?.grams;
  out.push({ atMs: end, grams: back === frozenLast ? back + 0.1 : back });
  return out;
}

/** How long before a bin's first load it reports itself empty, ms: enough for the edge to see it settle. */
const EMPTY_READING_LEAD_MS = 2000;

/**
 * An MQTT shelf reports its bins when it comes up (an OPC-UA client reads
 * each bin's value when it subscribes): each bin that is loaded later reads 0 g once, `EMPTY_READING_LEAD_MS` before its first load (when
 * there is time for it), so the edge has seen the bin empty and weighs the
 * first load as a change, like every later one. In time order.
 */
export function emptyBinReadings(
  steps: readonly { step: ScenarioStep }[],
  devices: ReadonlyMap<string, Device>,
): Extract<PlannedAction, { kind: "weight" }>[] {
  const first = new Map<string, { atMs: number; deviceId: string; location: string; transport: "mqtt" }>();
  for (const { step } of steps) {
    if (step.kind !== "shelf-load") continue;
    const device = devices.get(step.deviceId);
    const key = `${step.deviceId}\u0000${step.location}`;
    if (device?.kind !== "shelf" || device.transport !== "mqtt" || first.has(key)) continue;
    first.set(key, { atMs: step.at, deviceId: step.deviceId, location: step.location, transport: device.transport });
  }
  return [...first.values()]
    .filter((f) => f.atMs >= EMPTY_READING_LEAD_MS)
    .map((f) => ({ ...f, atMs: f.atMs - EMPTY_READING_LEAD_MS, kind: "weight" as const, grams: 0 }))
    .sort((a, b) => a.atMs - b.atMs);
}

/** A bin's weight after a shelf step, g, and by how much the step changed it. */
export type BinWeightAfter = { grams: number; deltaG: number };

/**
 * Each shelf step's resulting bin weight, by step index, walking the steps
 * in the (time) order given: a load's new weight and change; a load cell
 * fault's weight during it (no change).
 */
export function binWeightsAfterSteps(
  steps: readonly Indexed<ScenarioStep>[],
  devices: ReadonlyMap<string, Device>,
  items: ReadonlyMap<string, SiteLayout["items"][number]>,
): Map<number, BinWeightAfter> {
  const after = new Map<number, BinWeightAfter>();
  const grams = new Map<string, number>();
  for (const { step, index } of steps) {
    if (step.kind === "load-cell-fault") {
      const g = grams.get(`${step.deviceId}\u0000${step.location}`) ?? 0;
      after.set(index, { grams: g, deltaG: 0 });
    }
    if (step.kind !== "shelf-load") continue;
    const device = devices.get(step.deviceId);
    const bin = device?.kind === "shelf" ? device.bins.find((b) => b.location === step.location) : undefined;
    const w = items.get(step.sku ?? bin?.sku ?? "")?.unitWeightG ?? 0;
    const key = `${step.deviceId}\u0000${step.location}`;
    const g = (grams.get(key) ?? 0) + step.units * w;
    grams.set(key, g);
    after.set(index, { grams: g, deltaG: step.units * w });
  }
  return after;
}

/**
 * The readings of a bin after a load: the cell swings around the new
 * weight, less each time, for the profile's settle time, then reads it
 * (with the profile's noise and drift).
 */
export function* shelfLoadReadings(
  step: ShelfLoadStep,
  transport: "opcua" | "mqtt",
  random: Random,
  hw: HardwareProfile,
  finalGrams: number,
  deltaG: number,
): Generator<PlannedAction> {
  const settle = hw.shelves?.settle ?? 0;
  const noiseG = hw.shelves?.noiseG ?? 0;
  const driftPerHour = hw.shelves?.driftGPerHour ?? 0;
  const reading = (t: number, grams: number): PlannedAction => {
    const noisy = grams + (noiseG > 0 ? random.between(-noiseG, noiseG) : 0) + (driftPerHour * t) / 3_600_000;
    return {
      atMs: t,
      kind: "weight",
      deviceId: step.deviceId,
      transport,
      location: step.location,
      grams: noiseG > 0 || driftPerHour !== 0 ? Math.round(noisy * 10) / 10 : noisy,
    };
  };
  let amplitude = Math.abs(deltaG) * 0.3 + 20;
  for (let t = 0; t < settle; t += SHELF_SWING_PERIOD_MS) {
    yield reading(step.at + t, Math.max(0, finalGrams + amplitude));
    amplitude *= -0.5;
  }
  yield reading(step.at + settle, finalGrams);
}
