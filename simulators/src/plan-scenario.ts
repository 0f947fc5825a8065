import {
  type Device,
  decodeSgtin96,
  type ScanAction,
  type SiteLayout,
  type TemperatureRange,
  zoneOfLocation,
  zoneTemperatureRange,
} from "@tally/protocols";
import { type Random, seededRandom } from "./random.js";
import type { PortalPassStep, Scenario, ScenarioStep, TrueMovement } from "./scenario.js";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";

/** Temperature sensors report every 2 s (at speed 1). */
export const TEMPERATURE_PERIOD_MS = 2000;
/** A play waits this long after its last message (at speed 1) before resolving. */
export const TAIL_MS = 1000;
/** Most tag reads in one `read` message. */
export const MAX_READS_PER_MESSAGE = 50;
/** Portal reads are batched into one message per window of this length. */
export const READ_WINDOW_MS = 200;

const DEFAULT_PASS_MS = 2000;
const DEFAULT_READS_PER_TAG = { min: 3, max: 5 } as const;
const RSSI_DBM = { min: -70, max: -40 } as const;

export interface PlannedRead {
  epc: string;
  antenna: number;
  /** dBm. */
  rssi: number;
  atMs: number;
}

export interface PlannedScan {
  gtin: string;
  qty: number;
  action: ScanAction;
  location?: string;
  fromLocation?: string;
  lot?: string;
}

/** One device message (or OPC-UA value change) at a time in ms at speed 1. */
export type PlannedAction =
  | { atMs: number; kind: "read"; deviceId: string; reads: PlannedRead[] }
  | { atMs: number; kind: "scan"; deviceId: string; scan: PlannedScan }
  | { atMs: number; kind: "temp"; deviceId: string; celsius: number }
  | { atMs: number; kind: "weight"; deviceId: string; transport: "opcua" | "mqtt"; location: string; grams: number };

/** Everything a play will do and what it amounts to, before any I/O. */
export interface ScenarioPlan {
  /** Sorted by time; ties keep step order. */
  actions: PlannedAction[];
  /** When the play ends, ms at speed 1. */
  endMs: number;
  movements: Omit<TrueMovement, "occurredAt">[];
  positions: { sku: string; location: string; qty: number }[];
  excursions: { deviceId: string; location: string; startMs: number; endMs?: number }[];
}

const invalid = (message: string): SimulatorError => new SimulatorError(SimulatorErrorCode.ScenarioInvalid, message);

/**
 * Turns a scenario into the exact messages to send and the truth they
 * amount to. Pure and deterministic: the same scenario and site give the
 * same plan. Throws `TALLY_ERR_SCENARIO_INVALID` when a step refers to what
 * the site does not have or asks for the impossible (a bin below zero).
 */
export function planScenario(scenario: Scenario, site: SiteLayout): ScenarioPlan {
  if (!Number.isFinite(scenario.durationMs) || scenario.durationMs < 0) {
    throw invalid(`scenario ${scenario.name}: durationMs must be a finite number ≥ 0`);
  }
  const random = seededRandom(scenario.seed);
  const devices = new Map(site.devices.map((d) => [d.id, d]));
  const locations = new Set(site.locations.map((l) => l.code));
  const skuByGtin = new Map(site.items.flatMap((item) => item.gtins.map((gtin) => [gtin, item.sku] as const)));
  const items = new Map(site.items.map((item) => [item.sku, item]));

  const actions: PlannedAction[] = [];
  const movements: Omit<TrueMovement, "occurredAt">[] = [];
  const binUnits = new Map<string, number>();

  const steps = scenario.steps.map((step, index) => ({ step, index })).sort((a, b) => a.step.at - b.step.at);
  for (const { step, index } of steps) {
    const where = `scenario ${scenario.name}: steps.${index} (${step.kind} at ${step.at} ms)`;
    if (!Number.isFinite(step.at) || step.at < 0) throw invalid(`${where}: at must be a finite number ≥ 0`);
    const device = devices.get(step.deviceId);
    if (device === undefined) throw invalid(`${where}: unknown device ${step.deviceId}`);
    const knownLocation = (code: string | undefined, field: string): void => {
      if (code !== undefined && !locations.has(code)) throw invalid(`${where}: ${field}: unknown location ${code}`);
    };
    switch (step.kind) {
      case "portal-pass": {
        if (device.kind !== "rfid-portal") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
        actions.push(...planPortalPass(step, device, random, where));
        for (const epc of new Set(step.epcs.map((e) => e.toUpperCase()))) {
          const decoded = decodeSgtin96(epc);
          const sku = decoded.ok ? skuByGtin.get(decoded.value.gtin) : undefined;
          // An undecodable or unknown tag moves nothing: the edge raises a task for it instead.
          if (!decoded.ok || sku === undefined) continue;
          const inbound = device.direction === "inbound";
          movements.push({
            movementType: inbound ? "RECEIPT" : "SHIPMENT",
            sku,
            qty: 1,
            ...(inbound ? { to: device.location } : { from: device.location }),
            epc: decoded.value.pureIdentityUri,
            deviceId: device.id,
            atMs: step.at,
          });
        }
        break;
      }
      case "scan": {
        if (device.kind !== "scanner") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
        knownLocation(step.location, "location");
        knownLocation(step.fromLocation, "fromLocation");
        const { gtin, qty, action, location, fromLocation, lot } = step;
        actions.push({
          atMs: step.at,
          kind: "scan",
          deviceId: device.id,
          scan: {
            gtin,
            qty,
            action,
            ...(location !== undefined && { location }),
            ...(fromLocation !== undefined && { fromLocation }),
            ...(lot !== undefined && { lot }),
          },
        });
        const sku = skuByGtin.get(gtin);
        if (sku === undefined) break; // an unknown item moves nothing the ledger can hold
        const here = location ?? device.location;
        const base = { sku, qty, deviceId: device.id, atMs: step.at };
        switch (action) {
          case "RECEIPT":
            movements.push({ movementType: "RECEIPT", to: here, ...base });
            break;
          case "PICK":
            movements.push({ movementType: "PICK", from: here, ...base });
            break;
          case "PUTAWAY":
            if (fromLocation === undefined) throw invalid(`${where}: a PUTAWAY scan needs fromLocation`);
            movements.push({ movementType: "PUTAWAY", from: fromLocation, to: here, ...base });
            break;
          case "COUNT":
            break;
        }
        break;
      }
      case "shelf-load": {
        if (device.kind !== "shelf") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
        const bin = device.bins.find((b) => b.location === step.location);
        if (bin === undefined) throw invalid(`${where}: shelf ${device.id} has no bin at ${step.location}`);
        const unitWeightG = items.get(bin.sku)?.unitWeightG;
        if (unitWeightG === undefined) throw invalid(`${where}: item ${bin.sku} has no unitWeightG`);
        if (!Number.isInteger(step.units) || step.units === 0)
          throw invalid(`${where}: units must be a non-zero integer`);
        const key = `${device.id}\u0000${bin.location}`;
        const units = (binUnits.get(key) ?? 0) + step.units;
        if (units < 0) throw invalid(`${where}: bin ${bin.location} would hold ${units} units`);
        binUnits.set(key, units);
        actions.push({
          atMs: step.at,
          kind: "weight",
          deviceId: device.id,
          transport: device.transport,
          location: bin.location,
          grams: units * unitWeightG,
        });
        // A weight drop is a pick; a rise is the physical side of a PUTAWAY already scanned.
        if (step.units < 0) {
          movements.push({
            movementType: "PICK",
            sku: bin.sku,
            qty: -step.units,
            from: bin.location,
            deviceId: device.id,
            atMs: step.at,
          });
        }
        break;
      }
      case "temperature":
        if (device.kind !== "temperature") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
        if (!Number.isFinite(step.minC) || !Number.isFinite(step.maxC) || step.minC > step.maxC) {
          throw invalid(`${where}: need finite minC ≤ maxC`);
        }
        break;
      default:
        return assertNever(step);
    }
  }

  const excursions: ScenarioPlan["excursions"] = [];
  for (const device of site.devices) {
    if (device.kind !== "temperature") continue;
    const zone = site.zones.find((z) => z.id === zoneOfLocation(device.location));
    const range: TemperatureRange = zone === undefined ? {} : zoneTemperatureRange(zone);
    const bands = steps
      .map(({ step }) => step)
      .filter((s): s is Extract<ScenarioStep, { kind: "temperature" }> => s.kind === "temperature")
      .filter((s) => s.deviceId === device.id);
    let open: ScenarioPlan["excursions"][number] | undefined;
    for (let t = 0; t < scenario.durationMs; t += TEMPERATURE_PERIOD_MS) {
      const band = bands.filter((b) => b.at <= t).at(-1) ?? defaultBand(range);
      const celsius = Math.round(random.between(band.minC, band.maxC) * 100) / 100;
      actions.push({ atMs: t, kind: "temp", deviceId: device.id, celsius });
      const out =
        (range.minC !== undefined && celsius < range.minC) || (range.maxC !== undefined && celsius > range.maxC);
      if (out && open === undefined) {
        open = { deviceId: device.id, location: device.location, startMs: t };
        excursions.push(open);
      } else if (!out && open !== undefined) {
        open.endMs = t;
        open = undefined;
      }
    }
  }

  actions.sort((a, b) => a.atMs - b.atMs);
  const lastMs = actions.at(-1)?.atMs ?? 0;
  return {
    actions,
    endMs: Math.max(scenario.durationMs, lastMs + TAIL_MS),
    movements,
    positions: positionsOf(movements),
    excursions,
  };
}

function planPortalPass(
  step: PortalPassStep,
  device: Extract<Device, { kind: "rfid-portal" }>,
  random: Random,
  where: string,
): PlannedAction[] {
  const passMs = step.passMs ?? DEFAULT_PASS_MS;
  const perTag = step.readsPerTag ?? DEFAULT_READS_PER_TAG;
  if (!(passMs > 0)) throw invalid(`${where}: passMs must be > 0`);
  if (!Number.isInteger(perTag.min) || perTag.min < 1 || !Number.isInteger(perTag.max) || perTag.max < perTag.min) {
    throw invalid(`${where}: readsPerTag needs integers 1 ≤ min ≤ max`);
  }
  const epcs = [...new Set(step.epcs.map((e) => e.toUpperCase()))];
  if (epcs.length === 0) throw invalid(`${where}: no EPCs`);
  const outer = device.antennas.outer[0] ?? 1;
  const inner = device.antennas.inner[0] ?? 2;
  // Inbound goods meet the outer antenna first; outbound goods the inner one.
  const [first, second] = device.direction === "inbound" ? [outer, inner] : [inner, outer];
  const half = passMs / 2;
  const reads: { epc: string; antenna: number; rssi: number; offset: number }[] = [];
  for (const epc of epcs) {
    for (const [antenna, from] of [
      [first, 0],
      [second, half],
    ] as const) {
      const n = random.int(perTag.min, perTag.max);
      for (let i = 0; i < n; i++) {
        reads.push({
          epc,
          antenna,
          rssi: random.int(RSSI_DBM.min, RSSI_DBM.max),
          offset: Math.floor(from + random.next() * half),
        });
      }
    }
  }
  reads.sort((a, b) => a.offset - b.offset);
  const windows = new Map<number, PlannedRead[]>();
  for (const r of reads) {
    const w = Math.floor(r.offset / READ_WINDOW_MS);
    const list = windows.get(w) ?? [];
    list.push({ epc: r.epc, antenna: r.antenna, rssi: r.rssi, atMs: step.at + r.offset });
    windows.set(w, list);
  }
  const actions: PlannedAction[] = [];
  for (const [w, list] of windows) {
    // A reader reports a window once it is over (and never after the pass ends).
    const atMs = step.at + Math.min((w + 1) * READ_WINDOW_MS, passMs);
    for (let i = 0; i < list.length; i += MAX_READS_PER_MESSAGE) {
      actions.push({ atMs, kind: "read", deviceId: device.id, reads: list.slice(i, i + MAX_READS_PER_MESSAGE) });
    }
  }
  return actions;
}

/** Where a sensor reads before any temperature step: the middle of its zone's range, ±0.5 °C. */
function defaultBand(range: TemperatureRange): { minC: number; maxC: number } {
  const { minC, maxC } = range;
  const centre =
    minC !== undefined && maxC !== undefined
      ? (minC + maxC) / 2
      : minC !== undefined
        ? minC + 2
        : maxC !== undefined
          ? maxC - 2
          : 20;
  return { minC: centre - 0.5, maxC: centre + 0.5 };
}

/** Stock per location and SKU after the movements; non-zero only, sorted by location then SKU. */
export function positionsOf(
  movements: readonly Pick<TrueMovement, "sku" | "qty" | "from" | "to">[],
): { sku: string; location: string; qty: number }[] {
  const qty = new Map<string, { sku: string; location: string; qty: number }>();
  const add = (location: string, sku: string, delta: number): void => {
    const key = `${location}\u0000${sku}`;
    const current = qty.get(key) ?? { sku, location, qty: 0 };
    current.qty += delta;
    qty.set(key, current);
  };
  for (const m of movements) {
    if (m.from !== undefined) add(m.from, m.sku, -m.qty);
    if (m.to !== undefined) add(m.to, m.sku, m.qty);
  }
  return [...qty.values()]
    .filter((p) => p.qty !== 0)
    .sort((a, b) => a.location.localeCompare(b.location) || a.sku.localeCompare(b.sku));
}

function assertNever(value: never): never {
  throw new Error(`unexpected step ${JSON.stringify(value)}`);
}
