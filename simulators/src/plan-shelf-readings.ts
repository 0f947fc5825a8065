import type { Device, HardwareProfile, ShelfBin } from "@tally/protocols";
import type { PlannedAction } from "./plan-scenario.js";
import type { Random } from "./random.js";
import type { LoadCellFaultStep, ScenarioStep } from "./scenario.js";

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
