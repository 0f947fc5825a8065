import { MinHeap } from "./min-heap.js";
import { planPortalPass } from "./plan-portal-pass.js";
import {
  type BinWeightAfter,
  binWeightsAfterSteps,
  emptyBinReadings,
  loadCellFaultReadings,
  shelfLoadReadings,
} from "./plan-shelf-readings.js";
import type { Indexed, PlanState } from "./plan-state.js";
import { type PlannedSensor, sensorReadings } from "./plan-temperature.js";
import type { PlannedAction } from "./plan-types.js";
import { deriveSeed, seededRandom } from "./random.js";
import type { DeviceStateStep, ScenarioStep } from "./scenario.js";

/**
 * Every action of a play, as a fresh generator on each call: the steps'
 * messages, the sensors' readings and the MQTT shelves' empty bins, merged
 * in time order (ties keep step order, then sensors, then empty bins);
 * a device's messages while it is offline or dead are left out.
 */
export function actionsOf(
  state: PlanState,
  steps: readonly Indexed<ScenarioStep>[],
  sensors: readonly PlannedSensor[],
  periodMs: number,
): () => Generator<PlannedAction> {
  const stateAt = deviceStateAt(state.deviceStates);
  // Each shelf step's resulting bin weight (computed once, in time order).
  const weights = binWeightsAfterSteps(steps, state.devices, state.items);
  return function* actions(): Generator<PlannedAction> {
    type Entry = { action: PlannedAction; seq: number; rest: Generator<PlannedAction> };
    const heap = new MinHeap<Entry>(
      (a, b) => a.action.atMs < b.action.atMs || (a.action.atMs === b.action.atMs && a.seq < b.seq),
    );
    const add = (source: Generator<PlannedAction>, order: number): void => {
      const first = source.next();
      if (!first.done) heap.push({ action: first.value, seq: order, rest: source });
    };
    let next = 0;
    const sensorBase = steps.length;
    for (const sensor of sensors)
      add(sensorReadings(state, periodMs, sensor, stateAt), sensorBase + sensor.sensorIndex);
    add(
      (function* () {
        yield* emptyBinReadings(steps, state.devices);
      })(),
      sensorBase + sensors.length,
    );
    for (;;) {
      const top = heap.peek();
      const upcoming = steps[next];
      if (upcoming !== undefined && (top === undefined || upcoming.step.at <= top.action.atMs)) {
        add(stepActions(state, upcoming, weights), next);
        next++;
        continue;
      }
      if (top === undefined) return;
      heap.pop();
      add(top.rest, top.seq);
      const a = top.action;
      if (a.kind !== "system" && a.kind !== "device-state" && a.kind !== "document") {
        const deviceState = stateAt(a.deviceId, a.atMs)?.state;
        if (deviceState === "offline" || deviceState === "dead") continue;
      }
      yield a;
    }
  };
}

/** A lookup of the state a device is in at a time, from its state changes (in time order). */
function deviceStateAt(
  deviceStates: ReadonlyMap<string, DeviceStateStep[]>,
): (deviceId: string, t: number) => DeviceStateStep | undefined {
  return (deviceId, t) => {
    const list = deviceStates.get(deviceId);
    if (list === undefined) return undefined;
    let current: DeviceStateStep | undefined;
    for (const s of list) {
      if (s.at > t) break;
      current = s;
    }
    return current;
  };
}

/** The messages of one step, in time order, with randomness seeded by its index. */
function* stepActions(
  { scenario, devices, hw }: PlanState,
  { step, index }: Indexed<ScenarioStep>,
  weights: ReadonlyMap<number, BinWeightAfter>,
): Generator<PlannedAction> {
  const random = seededRandom(deriveSeed(scenario.seed, 1, index));
  switch (step.kind) {
    case "portal-pass": {
      const device = devices.get(step.deviceId);
      if (device?.kind !== "rfid-portal") return;
      yield* planPortalPass(step, device, random, hw, (id) => {
        const d = devices.get(id);
        return d?.kind === "rfid-portal" ? d : undefined;
      });
      return;
    }
    case "scan": {
      const { gtin, qty, action, location, fromLocation, lot } = step;
      yield {
        atMs: step.at,
        kind: "scan",
        deviceId: step.deviceId,
        scan: {
          gtin,
          qty,
          action,
          ...(location !== undefined && { location }),
          ...(fromLocation !== undefined && { fromLocation }),
          ...(lot !== undefined && { lot }),
        },
      };
      return;
    }
    case "shelf-load": {
      const device = devices.get(step.deviceId);
      if (device?.kind !== "shelf") return;
      const after = weights.get(index) ?? { grams: 0, deltaG: 0 };
      yield* shelfLoadReadings(step, device.transport, random, hw, after.grams, after.deltaG);
      return;
    }
    case "load-cell-fault": {
      const device = devices.get(step.deviceId);
      const bin = device?.kind === "shelf" ? device.bins.find((b) => b.location === step.location) : undefined;
      if (device?.kind !== "shelf" || bin === undefined) return;
      const grams = weights.get(index)?.grams ?? 0;
      for (const r of loadCellFaultReadings(step, bin, grams, random, hw)) {
        const { deviceId, location } = step;
        yield { atMs: r.atMs, kind: "weight", deviceId, transport: device.transport, location, grams: r.grams };
      }
      return;
    }
    case "system":
      yield { atMs: step.at, kind: "system", action: step.action };
      return;
    case "document":
      yield { atMs: step.at, kind: "document", action: step.action, document: step.document };
      return;
    case "device-state":
      yield { atMs: step.at, kind: "device-state", deviceId: step.deviceId, state: step.state };
      return;
    case "temperature":
    case "physical":
      return;
    default:
      return assertNever(step);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected step ${JSON.stringify(value)}`);
}
