import {
  type Device,
  decodeEpc,
  type ExpectedLine,
  type HardwareProfile,
  type ScanAction,
  type SiteLayout,
  type TemperatureRange,
  zoneOfLocation,
  zoneTemperatureRange,
} from "@tally/protocols";
import { MinHeap } from "./min-heap.js";
import { DEFAULT_READS_PER_TAG, passLength, planPortalPass } from "./plan-portal-pass.js";
import { emptyBinReadings, loadCellFaultReadings } from "./plan-shelf-readings.js";
import { deriveSeed, type Random, seededRandom } from "./random.js";
import type {
  Asn,
  DeviceStateStep,
  ExpectedDocument,
  ExpectedTask,
  InjectedFault,
  PortalPassStep,
  Scenario,
  ScenarioStep,
  ShelfLoadStep,
  StockAtRiskTruth,
  StockLow,
  SystemStep,
  TemperatureStep,
  TrueMovement,
} from "./scenario.js";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";
import { stockAtRiskTruth } from "./stock-at-risk-truth.js";
import { defaultBand } from "./temperature-band.js";

/** Temperature sensors report every 2 s (at speed 1) unless the hardware profile says otherwise. */
export const TEMPERATURE_PERIOD_MS = 2000;
/** A play waits this long after its last message (at speed 1) before resolving. */
export const TAIL_MS = 1000;
/** A swinging load cell reports this often until it settles, ms. */
export const SHELF_SWING_PERIOD_MS = 100;
/** Zone kinds that keep stock, where an item of another temperature class is in the wrong zone (DESIGN: wrong zone). */
const KEEPING_ZONE_KINDS: ReadonlySet<string> = new Set(["storage", "picking", "quarantine"]);
/** Zone kinds whose stock is on hand for replenishment: where the ledger compares stock with reorder points. */
const REPLENISHED_ZONE_KINDS: ReadonlySet<string> = new Set(["storage", "picking"]);

export { MAX_READS_PER_MESSAGE, READ_WINDOW_MS } from "./plan-portal-pass.js";

export interface PlannedRead {
  epc: string;
  antenna: number;
  /** dBm. */
  rssi: number;
  /** When the reader says it read the tag, ms at speed 1: the true time plus the reader's clock offset. */
  atMs: number;
}

/**
 * A true movement as planned: device times in ms at speed 1, and a portal
 * movement's crossing (the middle of its pass) and the pass's length.
 */
export type PlannedMovement = Omit<TrueMovement, "occurredAt" | "crossedAt" | "crossingToleranceMs"> & {
  crossing?: { atMs: number; passMs: number };
};

export interface PlannedScan {
  gtin: string;
  qty: number;
  action: ScanAction;
  location?: string;
  fromLocation?: string;
  lot?: string;
}

/** One device message (or OPC-UA value change, or a change to the system or a device) at a time in ms at speed 1. */
export type PlannedAction =
  | { atMs: number; kind: "read"; deviceId: string; reads: PlannedRead[] }
  | { atMs: number; kind: "scan"; deviceId: string; scan: PlannedScan }
  | { atMs: number; kind: "temp"; deviceId: string; celsius: number }
  | { atMs: number; kind: "weight"; deviceId: string; transport: "opcua" | "mqtt"; location: string; grams: number }
  | { atMs: number; kind: "system"; action: SystemStep["action"] }
  | { atMs: number; kind: "document"; action: "open" | "close"; document: ExpectedDocument }
  | { atMs: number; kind: "device-state"; deviceId: string; state: DeviceStateStep["state"] };

/** A planned action that is a device message (what `events` counts). */
export const isDeviceMessage = (a: PlannedAction): boolean =>
  a.kind !== "system" && a.kind !== "device-state" && a.kind !== "document";

type Position = { sku: string; location: string; qty: number };

/** A true temperature excursion, ms at speed 1. */
export interface PlannedExcursion {
  deviceId: string;
  location: string;
  zone: string;
  startMs: number;
  endMs?: number;
  graceS: number;
  alertable: boolean;
  stockAtRisk?: StockAtRiskTruth[];
}
type Unrecorded = { sku: string; qty: number; from?: string; to?: string; atMs: number };

/** The truth of a scenario, and its messages as a time-ordered stream generated on demand (bounded memory). */
export interface ScenarioPlanStream {
  /** When the play ends, ms at speed 1. */
  endMs: number;
  movements: PlannedMovement[];
  unrecorded: Unrecorded[];
  positions: Position[];
  /**
   * True excursions per sensor. `graceS`: the scenario's (else the site's)
   * grace period; `alertable`: longer than it (an excursion still open at
   * the end counts up to the end of the timeline); `stockAtRisk`, for the
   * alertable ones: the zone's stock during it, from the true movements.
   */
  excursions: PlannedExcursion[];
  faults: InjectedFault[];
  asns: Asn[];
  /** Correction tasks a correct edge raises (tags it cannot place, documents not kept to). */
  tasks: ExpectedTask[];
  /** Expected documents, with when they open and close (ms at speed 1). */
  documents: { document: ExpectedDocument; openMs: number; closeMs?: number }[];
  stockLows: StockLow[];
  /** Every action, sorted by time (ties keep step order); a fresh generator on each call. */
  actions(): Generator<PlannedAction>;
}

/** Everything a play will do and what it amounts to, before any I/O. */
export interface ScenarioPlan extends Omit<ScenarioPlanStream, "actions"> {
  /** Sorted by time; ties keep step order. */
  actions: PlannedAction[];
}

const invalid = (message: string): SimulatorError => new SimulatorError(SimulatorErrorCode.ScenarioInvalid, message);

/**
 * Turns a scenario into the exact messages to send and the truth they
 * amount to. Pure and deterministic: the same scenario and site give the
 * same plan. Throws `TALLY_ERR_SCENARIO_INVALID` when a step refers to what
 * the site does not have or asks for the impossible (a bin below zero).
 * Holds every action in memory: for big scenarios use `planScenarioStream`.
 */
export function planScenario(scenario: Scenario, site: SiteLayout): ScenarioPlan {
  const { actions, ...rest } = planScenarioStream(scenario, site);
  return { ...rest, actions: [...actions()] };
}

type Indexed<T> = { step: T; index: number };

/**
 * Like `planScenario`, but the actions are generated lazily in time order:
 * memory holds the steps and the truth, plus only the reads of the passes
 * under way, whatever the scenario's length.
 */
export function planScenarioStream(scenario: Scenario, site: SiteLayout): ScenarioPlanStream {
  if (!Number.isFinite(scenario.durationMs) || scenario.durationMs < 0) {
    throw invalid(`scenario ${scenario.name}: durationMs must be a finite number ≥ 0`);
  }
  const hw: HardwareProfile = scenario.hardware ?? {};
  const devices = new Map(site.devices.map((d) => [d.id, d]));
  const locations = new Set(site.locations.map((l) => l.code));
  const skuByGtin = new Map(site.items.flatMap((item) => item.gtins.map((gtin) => [gtin, item.sku] as const)));
  const items = new Map(site.items.map((item) => [item.sku, item]));

  const movements: PlannedMovement[] = [];
  const unrecorded: Unrecorded[] = [];
  const binGrams = new Map<string, number>();
  const binUnits = new Map<string, number>();
  const deviceStates = new Map<string, DeviceStateStep[]>();
  let lastMs = 0;
  const tasks: ExpectedTask[] = [];
  const documents: ScenarioPlanStream["documents"] = [];
  const zones = new Map(site.zones.map((z) => [z.id, z]));
  /** Open expected receipts and shipments, in the order they were opened, with the units seen per SKU. */
  const openDocs = new Map<string, { document: ExpectedDocument; seen: Map<string, number>; entry: number }>();
  const firstInboundDock =
    site.devices.find(
      (d): d is Extract<Device, { kind: "rfid-portal" }> => d.kind === "rfid-portal" && d.direction === "inbound",
    )?.location ??
    site.locations[0]?.code ??
    "";
  const linesOf = (d: ExpectedDocument): ExpectedLine[] => (d.kind === "receipt" ? d.receipt.lines : d.shipment.lines);
  const idOf = (d: ExpectedDocument): string => `${d.kind}\u0000${d.kind === "receipt" ? d.receipt.id : d.shipment.id}`;
  const remaining = (doc: { document: ExpectedDocument; seen: Map<string, number> }, sku: string): number =>
    linesOf(doc.document)
      .filter((l) => l.sku === sku)
      .reduce((n, l) => n + l.qty, 0) - (doc.seen.get(sku) ?? 0);

  /**
   * What a correct edge makes of one pass, per tag, as the DESIGN's task
   * rules say: movements (RECEIPT/SHIPMENT at dock doors, TRANSFER through
   * zone portals; an SSCC pallet moves the lines its open document lists)
   * and tasks (UNKNOWN_TAG, UNEXPECTED_ITEM, WRONG_DOCK, WRONG_ZONE).
   */
  const passTruth = (step: PortalPassStep, device: Extract<Device, { kind: "rfid-portal" }>): void => {
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
      tasks.push({ ...t, atMs: step.at });
    };
    const passMs = passLength(step, hw);
    const receiptsHere = [...openDocs.values()].filter(
      (d) => d.document.kind === "receipt" && (d.document.receipt.dock ?? device.location) === device.location,
    );
    for (const epc of new Set(step.epcs.map((e) => e.toUpperCase()))) {
      const decoded = decodeEpc(epc);
      if (!decoded.ok) {
        task({ taskType: "UNKNOWN_TAG", location: device.location, detail: `EPC ${epc} does not decode` });
        continue;
      }
      const tag = decoded.value;
      let lines: { sku: string; qty: number; epc?: string; sscc?: string }[];
      if (tag.scheme === "sgtin-96" || tag.scheme === "sgtin-198") {
        const sku = skuByGtin.get(tag.gtin);
        if (sku === undefined) {
          task({
            taskType: "UNKNOWN_TAG",
            location: device.location,
            epc: tag.pureIdentityUri,
            detail: `GTIN ${tag.gtin} is in no item master`,
          });
          continue;
        }
        lines = [{ sku, qty: 1, epc: tag.pureIdentityUri }];
      } else if (tag.scheme === "sscc-96") {
        const kind = inbound ? "receipt" : "shipment";
        const doc = [...openDocs.values()].find(
          (d) => d.document.kind === kind && linesOf(d.document).some((l) => l.sscc === tag.sscc),
        )?.document;
        if (doc === undefined) {
          task({
            taskType: "UNEXPECTED_ITEM",
            location: device.location,
            epc: tag.pureIdentityUri,
            detail: `pallet ${tag.sscc} is on no open expected ${kind}`,
          });
          continue;
        }
        lines = linesOf(doc)
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
      } else {
        task({
          taskType: "UNKNOWN_TAG",
          location: device.location,
          epc: tag.pureIdentityUri,
          detail: `${tag.pureIdentityUri} is not an item or a pallet`,
        });
        continue;
      }
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
  };

  const steps: Indexed<ScenarioStep>[] = scenario.steps
    .map((step, index) => ({ step, index }))
    .sort((a, b) => a.step.at - b.step.at || tieRank(a.step) - tieRank(b.step) || a.index - b.index);
  for (const { step, index } of steps) {
    const where = `scenario ${scenario.name}: steps.${index} (${step.kind} at ${step.at} ms)`;
    if (!Number.isFinite(step.at) || step.at < 0) throw invalid(`${where}: at must be a finite number ≥ 0`);
    if (step.kind === "system") continue;
    if (step.kind === "document") {
      const doc = step.document;
      const key = idOf(doc);
      lastMs = Math.max(lastMs, step.at);
      if (step.action === "open") {
        if (openDocs.has(key) || documents.some((d) => idOf(d.document) === key)) {
          throw invalid(`${where}: expected ${doc.kind} ${key.split("\u0000")[1]} is opened twice`);
        }
        const dock = doc.kind === "receipt" ? doc.receipt.dock : doc.shipment.dock;
        if (dock !== undefined && !locations.has(dock)) throw invalid(`${where}: unknown dock ${dock}`);
        for (const line of linesOf(doc)) if (!items.has(line.sku)) throw invalid(`${where}: unknown sku ${line.sku}`);
        openDocs.set(key, { document: doc, seen: new Map(), entry: documents.length });
        documents.push({ document: doc, openMs: step.at });
        continue;
      }
      const open = openDocs.get(key);
      if (open === undefined) throw invalid(`${where}: expected ${doc.kind} ${key.split("\u0000")[1]} is not open`);
      openDocs.delete(key);
      const entry = documents[open.entry];
      if (entry !== undefined) entry.closeMs = step.at;
      if (open.document.kind === "receipt") {
        const receipt = open.document.receipt;
        for (const sku of new Set(receipt.lines.map((l) => l.sku))) {
          const short = remaining(open, sku);
          if (short <= 0) continue;
          tasks.push({
            taskType: "MISSING_EXPECTED",
            location: receipt.dock ?? firstInboundDock,
            sku,
            atMs: step.at,
            detail: `receipt ${receipt.id} closed ${short} × ${sku} short`,
          });
        }
      }
      continue;
    }
    if (step.kind === "physical") {
      if (!items.has(step.sku)) throw invalid(`${where}: unknown sku ${step.sku}`);
      for (const code of [step.from, step.to]) {
        if (code !== undefined && !locations.has(code)) throw invalid(`${where}: unknown location ${code}`);
      }
      unrecorded.push({
        sku: step.sku,
        qty: step.qty,
        ...(step.from !== undefined && { from: step.from }),
        ...(step.to !== undefined && { to: step.to }),
        atMs: step.at,
      });
      continue;
    }
    const device = devices.get(step.deviceId);
    if (device === undefined) throw invalid(`${where}: unknown device ${step.deviceId}`);
    const knownLocation = (code: string | undefined, field: string): void => {
      if (code !== undefined && !locations.has(code)) throw invalid(`${where}: ${field}: unknown location ${code}`);
    };
    switch (step.kind) {
      case "portal-pass": {
        if (device.kind !== "rfid-portal") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
        const passMs = passLength(step, hw);
        if (!(passMs > 0)) throw invalid(`${where}: passMs must be > 0`);
        const perTag = step.readsPerTag ?? hw.portals?.readsPerTag ?? DEFAULT_READS_PER_TAG;
        if (
          !Number.isInteger(perTag.min) ||
          perTag.min < 1 ||
          !Number.isInteger(perTag.max) ||
          perTag.max < perTag.min
        ) {
          throw invalid(`${where}: readsPerTag needs integers 1 ≤ min ≤ max`);
        }
        if (step.epcs.length === 0) throw invalid(`${where}: no EPCs`);
        const neighbour = hw.portals?.neighbours[device.id];
        if (neighbour !== undefined && devices.get(neighbour)?.kind !== "rfid-portal") {
          throw invalid(`${where}: neighbour ${neighbour} of ${device.id} is not a portal`);
        }
        lastMs = Math.max(lastMs, step.at + passMs);
        if (step.parked === true || step.aborted !== undefined) break;
        if (step.movementType === "RETURN" && device.direction !== "inbound") {
          throw invalid(`${where}: returns come in through an inbound portal`);
        }
        passTruth(step, device);
        break;
      }
      case "scan": {
        if (device.kind !== "scanner") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
        knownLocation(step.location, "location");
        knownLocation(step.fromLocation, "fromLocation");
        knownLocation(step.actual?.location, "actual.location");
        lastMs = Math.max(lastMs, step.at);
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
        if (step.moves === false) break;
        const sku = step.actual?.sku ?? skuByGtin.get(step.gtin);
        if (sku === undefined) break; // an unknown item moves nothing the ledger can hold
        if (!items.has(sku)) throw invalid(`${where}: unknown sku ${sku}`);
        // A RETURN goes to the scanner's returns location, never its own, when the scan names none (as at the edge).
        const own = step.action === "RETURN" ? device.returnsLocation : device.location;
        const here = step.actual?.location ?? step.location ?? own;
        if (here === undefined)
          throw invalid(`${where}: a RETURN scan needs a location or the scanner's returnsLocation`);
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
            break;
          case "PICK":
            movements.push({ movementType: "PICK", from: here, ...base });
            break;
          case "PUTAWAY":
            movements.push({ movementType: "PUTAWAY", from: step.fromLocation, to: here, ...base });
            break;
          case "SHIP":
            movements.push({ movementType: "SHIPMENT", from: here, ...base });
            break;
          case "RETURN":
            movements.push({ movementType: "RETURN", to: here, ...base });
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
        const sku = step.sku ?? bin.sku;
        const unitWeightG = items.get(sku)?.unitWeightG;
        if (unitWeightG === undefined) throw invalid(`${where}: item ${sku} has no unitWeightG`);
        if (!Number.isInteger(step.units) || step.units === 0)
          throw invalid(`${where}: units must be a non-zero integer`);
        const key = `${device.id}\u0000${bin.location}`;
        const unitsKey = `${key}\u0000${sku}`;
        const units = (binUnits.get(unitsKey) ?? 0) + step.units;
        if (units < 0) throw invalid(`${where}: bin ${bin.location} would hold ${units} units`);
        binUnits.set(unitsKey, units);
        binGrams.set(key, (binGrams.get(key) ?? 0) + step.units * unitWeightG);
        lastMs = Math.max(lastMs, step.at + (hw.shelves?.settle ?? 0));
        // A rise is the physical side of a PUTAWAY already scanned; a `scanned` drop that of a PICK.
        if (step.units > 0 || step.scanned === true) break;
        const taken = { sku, qty: -step.units, from: bin.location, atMs: step.at };
        if (step.moves === false) unrecorded.push(taken);
        else movements.push({ movementType: "PICK", ...taken, deviceId: device.id });
        break;
      }
      case "load-cell-fault": {
        if (device.kind !== "shelf") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
        const bin = device.bins.find((b) => b.location === step.location);
        if (bin === undefined) throw invalid(`${where}: shelf ${device.id} has no bin at ${step.location}`);
        if (step.mode === "out-of-range" && bin.capacityG === undefined)
          throw invalid(`${where}: an out-of-range fault needs the bin's capacityG`);
        if (!(step.durationMs > 0)) throw invalid(`${where}: durationMs must be > 0`);
        lastMs = Math.max(lastMs, step.at + step.durationMs);
        break;
      }
      case "temperature":
        if (device.kind !== "temperature") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
        if (!Number.isFinite(step.minC) || !Number.isFinite(step.maxC) || step.minC > step.maxC) {
          throw invalid(`${where}: need finite minC ≤ maxC`);
        }
        break;
      case "device-state": {
        const list = deviceStates.get(device.id) ?? [];
        list.push(step);
        deviceStates.set(device.id, list);
        break;
      }
      default:
        return assertNever(step);
    }
  }

  // Temperature sensors: the true temperature (for the truth) and what the sensor reports (noise, gaps, stuck).
  const periodMs = hw.temperature?.period ?? TEMPERATURE_PERIOD_MS;
  if (!(periodMs > 0)) throw invalid(`scenario ${scenario.name}: temperature period must be > 0`);
  const sensors = site.devices
    .map((device, sensorIndex) => ({ device, sensorIndex }))
    .filter((s): s is { device: Extract<Device, { kind: "temperature" }>; sensorIndex: number } => {
      return s.device.kind === "temperature";
    })
    .map(({ device, sensorIndex }) => {
      const zone = site.zones.find((z) => z.id === zoneOfLocation(device.location));
      const range: TemperatureRange = zone === undefined ? {} : zoneTemperatureRange(zone);
      const bands = steps
        .map(({ step }) => step)
        .filter((s): s is TemperatureStep => s.kind === "temperature" && s.deviceId === device.id);
      return { device, sensorIndex, range, bands };
    });
  const trueTemperatures = function* (sensor: (typeof sensors)[number]): Generator<{ t: number; celsius: number }> {
    const random = seededRandom(deriveSeed(scenario.seed, 2, sensor.sensorIndex));
    let b = -1;
    for (let t = 0; t < scenario.durationMs; t += periodMs) {
      while (b + 1 < sensor.bands.length && (sensor.bands[b + 1]?.at ?? Number.POSITIVE_INFINITY) <= t) b++;
      const band = sensor.bands[b] ?? defaultBand(sensor.range);
      yield { t, celsius: Math.round(random.between(band.minC, band.maxC) * 100) / 100 };
    }
  };
  const excursions: PlannedExcursion[] = [];
  // A portal movement happened when the tag crossed, which is when the ledger will say it did.
  const changes = movements.map((m) => ({ ...m, atMs: m.crossing?.atMs ?? m.atMs }));
  for (const sensor of sensors) {
    let open: PlannedExcursion | undefined;
    const { minC, maxC } = sensor.range;
    const graceS = scenario.graceS?.[sensor.device.id] ?? sensor.device.graceS;
    const zone = zoneOfLocation(sensor.device.location);
    // Back in range means inside by the sensor's hysteresis: a reading wavering at the limit is one excursion.
    const h = sensor.device.hysteresisC;
    for (const { t, celsius } of trueTemperatures(sensor)) {
      lastMs = Math.max(lastMs, t);
      const out =
        open === undefined
          ? (minC !== undefined && celsius < minC) || (maxC !== undefined && celsius > maxC)
          : (minC !== undefined && celsius < minC + h) || (maxC !== undefined && celsius > maxC - h);
      if (out && open === undefined) {
        open = {
          deviceId: sensor.device.id,
          location: sensor.device.location,
          zone,
          startMs: t,
          graceS,
          alertable: false,
        };
        excursions.push(open);
      } else if (!out && open !== undefined) {
        open.endMs = t;
        open = undefined;
      }
    }
    for (const e of excursions) {
      if (e.deviceId !== sensor.device.id) continue;
      e.alertable = (e.endMs ?? scenario.durationMs) - e.startMs > graceS * 1000;
      if (e.alertable) e.stockAtRisk = stockAtRiskTruth(changes, zone, e.startMs, e.endMs);
    }
  }
  for (const { step } of steps)
    if (step.kind === "system" || step.kind === "device-state") lastMs = Math.max(lastMs, step.at);
  const stockLows = stockLowsOf([...movements, ...unrecorded], site);

  const stateAt = (deviceId: string, t: number): DeviceStateStep | undefined => {
    const list = deviceStates.get(deviceId);
    if (list === undefined) return undefined;
    let current: DeviceStateStep | undefined;
    for (const s of list) {
      if (s.at > t) break;
      current = s;
    }
    return current;
  };

  function* stepActions({ step, index }: Indexed<ScenarioStep>): Generator<PlannedAction> {
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
        const after = shelfGramsAfter.get(index) ?? { grams: 0, deltaG: 0 };
        yield* planShelfLoad(step, device.transport, random, hw, after.grams, after.deltaG);
        return;
      }
      case "load-cell-fault": {
        const device = devices.get(step.deviceId);
        const bin = device?.kind === "shelf" ? device.bins.find((b) => b.location === step.location) : undefined;
        if (device?.kind !== "shelf" || bin === undefined) return;
        const grams = shelfGramsAfter.get(index)?.grams ?? 0;
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

  // Each shelf step's resulting bin weight, in step order (computed once, above, in time order).
  const shelfGramsAfter = new Map<number, { grams: number; deltaG: number }>();
  {
    const grams = new Map<string, number>();
    for (const { step, index } of steps) {
      if (step.kind === "load-cell-fault") {
        const g = grams.get(`${step.deviceId}\u0000${step.location}`) ?? 0;
        shelfGramsAfter.set(index, { grams: g, deltaG: 0 });
      }
      if (step.kind !== "shelf-load") continue;
      const device = devices.get(step.deviceId);
      const bin = device?.kind === "shelf" ? device.bins.find((b) => b.location === step.location) : undefined;
      const w = items.get(step.sku ?? bin?.sku ?? "")?.unitWeightG ?? 0;
      const key = `${step.deviceId}\u0000${step.location}`;
      const g = (grams.get(key) ?? 0) + step.units * w;
      grams.set(key, g);
      shelfGramsAfter.set(index, { grams: g, deltaG: step.units * w });
    }
  }

  function* sensorActions(sensor: (typeof sensors)[number]): Generator<PlannedAction> {
    const noise = seededRandom(deriveSeed(scenario.seed, 3, sensor.sensorIndex));
    const noiseC = hw.temperature?.noiseC ?? 0;
    const gap = hw.temperature?.gapProbability ?? 0;
    let last: number | undefined;
    for (const { t, celsius } of trueTemperatures(sensor)) {
      const jitter = noiseC > 0 ? noise.between(-noiseC, noiseC) : 0;
      const skipped = gap > 0 && noise.next() < gap;
      const state = stateAt(sensor.device.id, t);
      if (state?.state === "offline" || state?.state === "dead" || skipped) continue;
      let reading = Math.round((celsius + jitter) * 100) / 100;
      if (state?.state === "stuck") reading = state.celsius ?? last ?? reading;
      last = reading;
      yield { atMs: t, kind: "temp", deviceId: sensor.device.id, celsius: reading };
    }
  }

  const actions = function* (): Generator<PlannedAction> {
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
    for (const sensor of sensors) add(sensorActions(sensor), sensorBase + sensor.sensorIndex);
    add(
      (function* () {
        yield* emptyBinReadings(steps, devices);
      })(),
      sensorBase + sensors.length,
    );
    for (;;) {
      const top = heap.peek();
      const upcoming = steps[next];
      if (upcoming !== undefined && (top === undefined || upcoming.step.at <= top.action.atMs)) {
        add(stepActions(upcoming), next);
        next++;
        continue;
      }
      if (top === undefined) return;
      heap.pop();
      add(top.rest, top.seq);
      const a = top.action;
      if (a.kind !== "system" && a.kind !== "device-state" && a.kind !== "document") {
        const state = stateAt(a.deviceId, a.atMs)?.state;
        if (state === "offline" || state === "dead") continue;
      }
      yield a;
    }
  };

  return {
    endMs: Math.max(scenario.durationMs, lastMs + TAIL_MS),
    movements,
    unrecorded,
    positions: positionsOf([...movements, ...unrecorded]),
    excursions,
    faults: scenario.faults ?? [],
    asns: scenario.asns ?? [],
    tasks,
    documents,
    stockLows,
    actions,
  };
}

/** At the same time, a document opens before anything else happens and closes after everything else. */
function tieRank(step: ScenarioStep): number {
  if (step.kind !== "document") return 1;
  return step.action === "open" ? 0 : 2;
}

function* planShelfLoad(
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
  // A load cell swings around the new weight, less each time, before it settles.
  let amplitude = Math.abs(deltaG) * 0.3 + 20;
  for (let t = 0; t < settle; t += SHELF_SWING_PERIOD_MS) {
    yield reading(step.at + t, Math.max(0, finalGrams + amplitude));
    amplitude *= -0.5;
  }
  yield reading(step.at + settle, finalGrams);
}

/**
 * Per SKU with a reorder point and storage/picking location: the first
 * time the true stock there, after a change, was below the reorder point.
 * Changes are taken in time order (ties in list order).
 */
export function stockLowsOf(
  changes: readonly { sku: string; qty: number; from?: string | undefined; to?: string | undefined; atMs: number }[],
  site: SiteLayout,
): StockLow[] {
  const reorder = new Map(site.items.flatMap((i) => (i.reorderPoint === undefined ? [] : [[i.sku, i.reorderPoint]])));
  const kinds = new Map(site.zones.map((z) => [z.id, z.kind]));
  const qty = new Map<string, number>();
  const lows = new Map<string, StockLow>();
  const ordered = changes.map((c, i) => ({ c, i })).sort((a, b) => a.c.atMs - b.c.atMs || a.i - b.i);
  for (const { c } of ordered) {
    const point = reorder.get(c.sku);
    if (point === undefined) continue;
    for (const [location, delta] of [
      [c.from, -c.qty],
      [c.to, c.qty],
    ] as const) {
      if (location === undefined) continue;
      const key = `${c.sku}\u0000${location}`;
      const now = (qty.get(key) ?? 0) + delta;
      qty.set(key, now);
      if (now < point && !lows.has(key) && REPLENISHED_ZONE_KINDS.has(kinds.get(zoneOfLocation(location)) ?? "")) {
        lows.set(key, { sku: c.sku, location, reorderPoint: point, atMs: c.atMs });
      }
    }
  }
  return [...lows.values()];
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
