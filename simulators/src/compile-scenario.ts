import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Device,
  decodeEpc,
  decodeSgtin96,
  type ExpectedDocuments,
  type ExpectedLine,
  encodeEpc,
  encodeSgtin96,
  gs1CheckDigit,
  type LingerReads,
  parseScenarioFileText,
  type ScenarioFault,
  type ScenarioFile,
  type ScenarioFlow,
  SiteLayout,
  type Speed,
  type TemperatureRange,
  zoneOfLocation,
  zoneTemperatureRange,
} from "@tally/protocols";
import { MinHeap } from "./min-heap.js";
import { deriveSeed, seededRandom } from "./random.js";
import type { Asn, Detection, ExpectedDocument, InjectedFault, Scenario, ScenarioStep } from "./scenario.js";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";
import { readSiteFile } from "./site-file.js";
import { defaultBand } from "./temperature-band.js";

/** GS1 company prefix length of the items in the built-in sites (0614141). */
const COMPANY_PREFIX_DIGITS = 7;
/** The built-in sites' GS1 company prefix, for generated SSCC pallet tags. */
const COMPANY_PREFIX = "0614141";
/** TDS §10.1, SSCC-96 filter values: 6 = unit load (a pallet). */
const SSCC_UNIT_LOAD_FILTER = 6;
/** Serials of generated tags start here (the demo's first tag is 1 000 001). */
const FIRST_SERIAL = 1_000_001;
/** A GTIN no built-in site knows: tags of it are "unknown tags". */
const FOREIGN_GTIN_BASE = "0999999900001";
/** Gap between two portal passes of one truck, ms. */
const PALLET_GAP_MS = 5000;
/** Gap between two scans by one operator, ms. */
const SCAN_GAP_MS = 2000;
/** Least time between two loads of one shelf bin, so the edge sees each settle, ms. */
const BIN_GAP_MS = 2000;

/** Built-in scenarios: files in `simulators/scenarios/<name>.yaml`. */
export const BUILT_IN_SCENARIOS = [
  "demo",
  "dock-day",
  "cold-chain",
  "shrinkage",
  "outage",
  "receiving",
  "hard-dock",
] as const;
export type BuiltInScenario = (typeof BUILT_IN_SCENARIOS)[number];

/** The folder of the built-in scenario and site files. */
export const SCENARIOS_DIR = fileURLToPath(new URL("../scenarios/", import.meta.url));

/** Path of a built-in scenario's file. */
export function builtInScenarioFile(name: BuiltInScenario): string {
  return resolve(SCENARIOS_DIR, `${name}.yaml`);
}

export interface CompileOptions {
  /**
   * Multiplies the counts of every flow (trucks, shipments, picks, returns,
   * counts; at least 1 each), for smaller runs of a big scenario. Default 1.
   */
  scale?: number;
}

/** A scenario file read, its site resolved and compiled. */
export interface LoadedScenario {
  file: ScenarioFile;
  site: SiteLayout;
  scenario: Scenario;
  speed: Speed;
}

const invalid = (message: string): SimulatorError => new SimulatorError(SimulatorErrorCode.ScenarioInvalid, message);

/** Reads a scenario file (YAML or JSON), its site file (relative to it) or inline site, and compiles it. */
export async function loadScenarioFile(
  path: string,
  options: CompileOptions & { site?: SiteLayout } = {},
): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw invalid(`${path}: cannot read: ${(cause as Error).message}`);
  }
  const parsed = parseScenarioFileText(text);
  if (!parsed.ok) throw invalid(`${path}: ${parsed.error.reason}`);
  const file = parsed.value;
  let site: SiteLayout;
  if (options.site !== undefined) site = options.site;
  else if (typeof file.site === "string") site = await readSiteFile(resolve(dirname(path), file.site));
  else {
    const inline = SiteLayout.safeParse(file.site);
    if (!inline.success) throw invalid(`${path}: site: ${inline.error.issues[0]?.message ?? "invalid"}`);
    site = inline.data;
  }
  return { file, site, scenario: compileScenario(file, site, options), speed: file.speed };
}

type StockEntry = { units: number; tagged: string[] };

/** What happens when: flows and faults become these, processed in time order against the true stock. */
type Intent =
  | { at: number; order: number; kind: "flow"; flow: ScenarioFlow; i: number }
  | { at: number; order: number; kind: "fault"; fault: ScenarioFault }
  | {
      at: number;
      order: number;
      kind: "replenish";
      flow: Extract<ScenarioFlow, { kind: "replenishment" }>;
      bin: string;
    };

/**
 * Compiles a scenario file against its site into a `Scenario` (steps,
 * hardware profile, faults, ASNs). Pure and deterministic for the file's
 * seed. Flows run against the true stock, so a pick never takes what is not
 * there and returns come from what was shipped.
 */
export function compileScenario(file: ScenarioFile, site: SiteLayout, options: CompileOptions = {}): Scenario {
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw invalid("scale must be > 0");
  const scaled = (n: number): number => Math.max(1, Math.round(n * scale));
  const random = seededRandom(deriveSeed(file.seed, 9));
  const devices = new Map(site.devices.map((d) => [d.id, d]));
  const items = new Map(site.items.map((i) => [i.sku, i]));
  const skuByGtin = new Map(site.items.flatMap((i) => i.gtins.map((g) => [g, i.sku] as const)));
  const locations = new Set(site.locations.map((l) => l.code));
  const shelfOf = new Map<string, { deviceId: string; sku: string }>();
  for (const d of site.devices)
    if (d.kind === "shelf") for (const b of d.bins) shelfOf.set(b.location, { deviceId: d.id, sku: b.sku });
  const where = (what: string) => `scenario ${file.name}: ${what}`;

  const steps: ScenarioStep[] = [];
  const faults: InjectedFault[] = [];
  const asns: Asn[] = [];
  let serial = FIRST_SERIAL;
  const gtinOf = (sku: string): string => {
    const gtin = items.get(sku)?.gtins[0];
    if (gtin === undefined) throw invalid(where(`item ${sku} is unknown or has no GTIN`));
    return gtin;
  };
  const newTag = (gtin: string): string => {
    const epc = encodeSgtin96({ gtin, companyPrefixDigits: COMPANY_PREFIX_DIGITS, serial: serial++ });
    if (!epc.ok) throw invalid(where(`cannot tag GTIN ${gtin}: ${epc.error.message}`));
    return epc.value;
  };
  /** A tag's pure identity URI, as movements and tasks carry it. */
  const tagUri = (epc: string): string => {
    const decoded = decodeSgtin96(epc);
    if (!decoded.ok) throw invalid(where(`cannot read back tag ${epc}: ${decoded.error.message}`));
    return decoded.value.pureIdentityUri;
  };
  const portal = (id: string, direction?: "inbound" | "outbound") => {
    const d = devices.get(id);
    if (d?.kind !== "rfid-portal") throw invalid(where(`${id} is not an RFID portal of the site`));
    if (direction !== undefined && d.direction !== direction) throw invalid(where(`portal ${id} is not ${direction}`));
    return d;
  };
  const device = (id: string, kind: string) => {
    const d = devices.get(id);
    if (d?.kind !== kind) throw invalid(where(`${id} is not a ${kind} of the site`));
    return d;
  };
  const location = (code: string): string => {
    if (!locations.has(code)) throw invalid(where(`unknown location ${code}`));
    return code;
  };

  // True stock, by location then SKU: units, and which of them carry tags (EPC hex, oldest first).
  const stock = new Map<string, Map<string, StockEntry>>();
  const entry = (loc: string, sku: string): StockEntry => {
    let bySku = stock.get(loc);
    if (bySku === undefined) {
      bySku = new Map();
      stock.set(loc, bySku);
    }
    let e = bySku.get(sku);
    if (e === undefined) {
      e = { units: 0, tagged: [] };
      bySku.set(sku, e);
    }
    return e;
  };
  /** Takes up to `qty` units of `sku` from `loc`; returns how many and the tags among them. */
  const take = (loc: string, sku: string, qty: number): { qty: number; tags: string[] } => {
    const e = entry(loc, sku);
    const n = Math.min(qty, e.units);
    e.units -= n;
    const untagged = e.units + n - e.tagged.length;
    const tagsTaken = Math.max(0, n - untagged);
    return { qty: n, tags: e.tagged.splice(0, tagsTaken) };
  };
  const put = (loc: string, sku: string, qty: number, tags: string[] = []): void => {
    const e = entry(loc, sku);
    e.units += qty;
    e.tagged.push(...tags);
  };
  const skusAt = (loc: string): string[] =>
    [...(stock.get(loc) ?? new Map<string, StockEntry>()).entries()].filter(([, e]) => e.units > 0).map(([s]) => s);
  const shipped: string[] = [];
  const lastBinLoad = new Map<string, number>();
  const binSlot = (bin: string, at: number): number => {
    const t = Math.max(at, (lastBinLoad.get(bin) ?? Number.NEGATIVE_INFINITY) + BIN_GAP_MS);
    lastBinLoad.set(bin, t);
    return t;
  };
  const scannerErrors = file.hardware.scanners;
  /** A scan with the scenario's operator errors; `sku` is what really moves. */
  const scan = (
    at: number,
    scanner: string,
    sku: string,
    qty: number,
    action: "RECEIPT" | "PUTAWAY" | "PICK" | "COUNT",
    loc: string,
    from?: string,
    actualLocation?: string,
  ): void => {
    device(scanner, "scanner");
    let gtin = gtinOf(sku);
    let actualSku: string | undefined;
    if (scannerErrors !== undefined && random.next() < scannerErrors.wrongItemProbability) {
      const others = site.items.filter((i) => i.sku !== sku && i.gtins.length > 0);
      const other = others[random.int(0, others.length - 1)];
      if (other?.gtins[0] !== undefined) {
        gtin = other.gtins[0];
        actualSku = sku;
      }
    }
    const actual =
      actualSku !== undefined || actualLocation !== undefined
        ? {
            actual: {
              ...(actualSku !== undefined && { sku: actualSku }),
              ...(actualLocation !== undefined && { location: actualLocation }),
            },
          }
        : {};
    const step: ScenarioStep = {
      kind: "scan",
      at,
      deviceId: scanner,
      gtin,
      qty,
      action,
      location: loc,
      ...(from !== undefined && { fromLocation: from }),
      ...actual,
    };
    steps.push(step);
    if (scannerErrors !== undefined && random.next() < scannerErrors.doubleScanProbability) {
      steps.push({ ...step, at: at + 800, moves: false });
    }
  };
  /** Puts stock on a bin: the load cell's side of a putaway (when the bin is on a smart shelf). */
  const load = (at: number, bin: string, sku: string, units: number, moves?: false): void => {
    const shelf = shelfOf.get(bin);
    if (shelf === undefined) return;
    steps.push({
      kind: "shelf-load",
      at: binSlot(bin, at),
      deviceId: shelf.deviceId,
      location: bin,
      units,
      ...(sku !== shelf.sku && { sku }),
      ...(moves === false && { moves: false as const }),
    });
  };

  let palletSerial = 1;
  /** A fresh SSCC-96 pallet tag, as hex and its 18-digit SSCC. */
  const newPallet = (): { hex: string; sscc: string } => {
    const uri = `urn:epc:id:sscc:${COMPANY_PREFIX}.${String(palletSerial++).padStart(17 - COMPANY_PREFIX.length, "0")}`;
    const hex = encodeEpc(uri, { filter: SSCC_UNIT_LOAD_FILTER });
    const decoded = hex.ok ? decodeEpc(hex.value) : undefined;
    if (!hex.ok || decoded?.ok !== true || decoded.value.scheme !== "sscc-96") {
      throw invalid(where(`cannot encode pallet tag ${uri}`));
    }
    return { hex: hex.value, sscc: decoded.value.sscc };
  };
  let documentCount = 0;
  /** Creates the document `lead` before `firstAt` and closes it `closeAfter` after the last pass began. */
  const openAndClose = (
    document: ExpectedDocument,
    firstAt: number,
    lastPassAt: number,
    timing: ExpectedDocuments | undefined,
  ): void => {
    if (timing === undefined) return;
    const passMs = file.hardware.portals?.pass ?? 2000;
    steps.push({ kind: "document", at: Math.max(0, firstAt - timing.lead), action: "open", document });
    steps.push({ kind: "document", at: lastPassAt + passMs + timing.closeAfter, action: "close", document });
  };
  /** Faults waiting for the next truck (at their door, when they name one). */
  const pendingTruckFaults: {
    at: number;
    fault: Extract<ScenarioFault, { kind: "unexpected-items" | "short-delivery" }>;
  }[] = [];
  const truckFaults = (doorId: string) => {
    const mine = pendingTruckFaults.filter((p) => p.fault.device === undefined || p.fault.device === doorId);
    for (const p of mine) pendingTruckFaults.splice(pendingTruckFaults.indexOf(p), 1);
    return mine.map((p) => p.fault);
  };
  /** Wrong-dock faults waiting for the next SSCC shipment. */
  const wrongDocks: { at: number; device: string }[] = [];
  const zonePortal = (id: string) => {
    const d = portal(id);
    if (d.zonePortal === undefined) throw invalid(where(`${id} is not a zone portal (no zonePortal)`));
    const { inside, outside } = d.zonePortal;
    return d.direction === "inbound"
      ? { device: d, from: outside, to: inside }
      : { device: d, from: inside, to: outside };
  };
  /** Moves up to `n` tagged units of `sku` from `from` to `to` (through a zone portal); returns their tags. */
  const carry = (from: string, to: string, sku: string, n: number): string[] => {
    const e = entry(from, sku);
    const k = Math.min(n, e.tagged.length);
    if (k <= 0) return [];
    e.units -= k;
    const tags = e.tagged.splice(0, k);
    put(to, sku, k, tags);
    return tags;
  };

  // Scripted steps, in file order (the demo's tags get serials 1 000 001 … in this order).
  for (const s of file.steps) {
    switch (s.kind) {
      case "portal-pass":
        steps.push({
          kind: "portal-pass",
          at: s.at,
          deviceId: s.device,
          epcs: s.tags.flatMap((t) => Array.from({ length: t.count }, () => newTag(gtinOf(t.sku)))),
          ...(s.pass !== undefined && { passMs: s.pass }),
        });
        break;
      case "scan":
        steps.push({
          kind: "scan",
          at: s.at,
          deviceId: s.device,
          gtin: gtinOf(s.sku),
          qty: s.qty,
          action: s.action,
          ...(s.location !== undefined && { location: s.location }),
          ...(s.fromLocation !== undefined && { fromLocation: s.fromLocation }),
          ...(s.lot !== undefined && { lot: s.lot }),
        });
        break;
      case "shelf-load":
        steps.push({ kind: "shelf-load", at: s.at, deviceId: s.device, location: s.location, units: s.units });
        break;
      case "temperature":
        steps.push({ kind: "temperature", at: s.at, deviceId: s.device, minC: s.minC, maxC: s.maxC });
        break;
    }
  }

  // Temperature profiles per zone → a band for every sensor in the zone.
  const sensors = site.devices.filter((d): d is Extract<Device, { kind: "temperature" }> => d.kind === "temperature");
  for (const p of file.temperature) {
    if (!site.zones.some((z) => z.id === p.zone)) throw invalid(where(`temperature: unknown zone ${p.zone}`));
    for (const s of sensors) {
      if (zoneOfLocation(s.location) === p.zone) {
        steps.push({ kind: "temperature", at: p.at, deviceId: s.id, minC: p.minC, maxC: p.maxC });
      }
    }
  }

  // Reader quirks: only portals have them, and the site must tell the edge about a reader without heartbeats.
  for (const [id, quirks] of Object.entries(file.hardware.portals?.readers ?? {})) {
    const d = portal(id);
    if (!quirks.heartbeats && d.heartbeat !== false) {
      throw invalid(
        where(
          `hardware.portals.readers.${id}: it sends no heartbeats, so the site file must declare heartbeat: false for it`,
        ),
      );
    }
  }

  // Flows and faults, in time order against the true stock.
  let order = 0;
  const queue = new MinHeap<Intent>((a, b) => a.at < b.at || (a.at === b.at && a.order < b.order));
  const replenishments = file.flows.filter(
    (f): f is Extract<ScenarioFlow, { kind: "replenishment" }> => f.kind === "replenishment",
  );
  for (const flow of file.flows) {
    switch (flow.kind) {
      case "inbound":
        for (let i = 0; i < scaled(flow.trucks); i++)
          queue.push({ at: flow.at + i * flow.every, order: order++, kind: "flow", flow, i });
        break;
      case "outbound":
        for (let i = 0; i < scaled(flow.shipments); i++)
          queue.push({ at: flow.at + i * flow.every, order: order++, kind: "flow", flow, i });
        break;
      case "picks":
      case "returns":
      case "cycle-count":
      case "transfer":
        for (let i = 0; i < scaled(flow.count); i++)
          queue.push({ at: flow.at + i * flow.every, order: order++, kind: "flow", flow, i });
        break;
      case "replenishment":
        location(flow.from);
        for (const b of flow.bins)
          if (!shelfOf.has(location(b))) throw invalid(where(`replenishment: ${b} is not a shelf bin`));
        break;
    }
  }
  for (const fault of file.faults) queue.push({ at: fault.at, order: order++, kind: "fault", fault });

  const afterShelfPick = (at: number, bin: string): void => {
    for (const flow of replenishments) {
      if (!flow.bins.includes(bin)) continue;
      const units = entry(bin, shelfOf.get(bin)?.sku ?? "").units;
      if (units < flow.below) queue.push({ at: at + flow.after, order: order++, kind: "replenish", flow, bin });
    }
  };

  for (let intent = queue.pop(); intent !== undefined; intent = queue.pop()) {
    const at = intent.at;
    if (intent.kind === "replenish") {
      const { flow, bin } = intent;
      const sku = shelfOf.get(bin)?.sku ?? "";
      const need = flow.upTo - entry(bin, sku).units;
      if (need <= 0) continue;
      const got = take(flow.from, sku, need);
      if (got.qty === 0) continue;
      scan(at, flow.scanner, sku, got.qty, "PUTAWAY", bin, flow.from);
      put(bin, sku, got.qty, got.tags);
      load(at + 1000, bin, sku, got.qty);
      continue;
    }
    if (intent.kind === "fault") {
      applyFault(intent.fault, at);
      continue;
    }
    const { flow, i } = intent;
    switch (flow.kind) {
      case "inbound": {
        const door = portal(flow.doors[i % flow.doors.length] ?? "", "inbound");
        if (door.zonePortal !== undefined) throw invalid(where(`${door.id} is a zone portal, not a dock door`));
        for (const sku of flow.skus) gtinOf(sku);
        const faultsHere = truckFaults(door.id);
        const pallets = random.int(flow.pallets.min, flow.pallets.max);
        const received = new Map<string, string[]>();
        const untagged = new Map<string, number>();
        const expected = new Map<string, number>();
        /** ASN lines: one per SKU of each SSCC pallet, then one per SKU of the item-tagged goods. */
        const lines: ExpectedLine[] = [];
        const itemLines = new Map<string, number>();
        const add = (m: Map<string, number>, sku: string, n: number) => m.set(sku, (m.get(sku) ?? 0) + n);
        let t = at;
        const passGap = (file.hardware.portals?.pass ?? 2000) + PALLET_GAP_MS;
        for (let p = 0; p < pallets; p++) {
          const n = random.int(flow.itemsPerPallet.min, flow.itemsPerPallet.max);
          if (flow.sscc > 0 && random.next() < flow.sscc) {
            // One SSCC label, untagged items: the ASN says what is on it.
            const contents = new Map<string, number>();
            for (let k = 0; k < n; k++) add(contents, flow.skus[random.int(0, flow.skus.length - 1)] ?? "", 1);
            const pallet = newPallet();
            for (const [sku, qty] of contents) {
              lines.push({ sku, qty, sscc: pallet.sscc });
              add(expected, sku, qty);
              add(untagged, sku, qty);
            }
            steps.push({ kind: "portal-pass", at: t, deviceId: door.id, epcs: [pallet.hex] });
            t += passGap;
            continue;
          }
          const epcs: string[] = [];
          for (let k = 0; k < n; k++) {
            const sku = flow.skus[random.int(0, flow.skus.length - 1)] ?? "";
            add(expected, sku, 1);
            add(itemLines, sku, 1);
            if (flow.asnShortProbability > 0 && random.next() < flow.asnShortProbability) continue;
            const epc = newTag(gtinOf(sku));
            epcs.push(epc);
            const list = received.get(sku);
            if (list === undefined) received.set(sku, [epc]);
            else list.push(epc);
          }
          if (epcs.length > 0) steps.push({ kind: "portal-pass", at: t, deviceId: door.id, epcs });
          t += passGap;
        }
        for (const f of faultsHere) {
          if (f.kind === "short-delivery") {
            // On the ASN, not on the truck.
            gtinOf(f.sku);
            add(expected, f.sku, f.count);
            add(itemLines, f.sku, f.count);
          } else {
            // On the truck (a loose case after the pallets), not on the ASN.
            const epcs = Array.from({ length: f.count }, () => newTag(gtinOf(f.sku)));
            steps.push({ kind: "portal-pass", at: t, deviceId: door.id, epcs });
            t += passGap;
            received.set(f.sku, [...(received.get(f.sku) ?? []), ...epcs]);
          }
          faults.push({
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
        for (const [sku, tags] of received) put(door.location, sku, tags.length, tags);
        for (const [sku, qty] of untagged) put(door.location, sku, qty);
        const receivedQty = (sku: string) => (received.get(sku)?.length ?? 0) + (untagged.get(sku) ?? 0);
        const short = [...expected].some(([sku, q]) => receivedQty(sku) < q);
        asns.push({
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
          const receipt = {
            id: `${file.name}-asn-${++documentCount}`,
            siteId: site.siteId,
            dock: door.location,
            lines,
          };
          if (lines.length > 0) {
            steps.push({
              kind: "document",
              at: Math.max(0, at - flow.expected.lead),
              action: "open",
              document: { kind: "receipt", receipt },
            });
            steps.push({
              kind: "document",
              at: t + flow.expected.closeAfter,
              action: "close",
              document: { kind: "receipt", receipt },
            });
          }
        }
        if (short && !faultsHere.some((f) => f.kind === "short-delivery")) {
          faults.push({
            kind: "asn-short",
            atMs: at,
            deviceId: door.id,
            location: door.location,
            detail: `truck ${i} at ${door.id} arrived short of its ASN`,
            detectedBy: [{ source: "task", type: "MISSING_EXPECTED", location: door.location }],
            ...(flow.expected !== undefined && { scoredBy: "tasks" as const }),
          });
        }
        if (flow.putaway !== undefined) {
          let s = t + flow.putaway.after;
          for (const sku of new Set([...received.keys(), ...untagged.keys()])) {
            const to = flow.putaway.to[sku];
            if (to === undefined) continue;
            location(to);
            const got = take(door.location, sku, Number.MAX_SAFE_INTEGER);
            if (got.qty === 0) continue;
            scan(s, flow.putaway.scanner, sku, got.qty, "PUTAWAY", to, door.location);
            put(to, sku, got.qty, got.tags);
            load(s + 500, to, sku, got.qty);
            s += SCAN_GAP_MS;
          }
        }
        break;
      }
      case "picks": {
        const loc = location(flow.from[random.int(0, flow.from.length - 1)] ?? "");
        const skus = skusAt(loc);
        const sku = skus[random.int(0, skus.length - 1)];
        if (sku === undefined) break;
        const got = take(loc, sku, random.int(flow.qty.min, flow.qty.max));
        if (got.qty === 0) break;
        if (flow.scanner !== undefined) {
          scan(at, flow.scanner, sku, got.qty, "PICK", loc);
        } else {
          if (!shelfOf.has(loc))
            throw invalid(where(`picks without a scanner must come from shelf bins; ${loc} is not one`));
          load(at, loc, sku, -got.qty);
          afterShelfPick(at, loc);
        }
        break;
      }
      case "outbound": {
        const intended = portal(flow.door, "outbound");
        const want = random.int(flow.items.min, flow.items.max);
        if (flow.sscc) {
          const wrong = wrongDocks[0];
          const door = wrong === undefined ? intended : portal(wrong.device, "outbound");
          // Untagged units on one SSCC pallet: the expected shipment says what is on it.
          const contents = new Map<string, number>();
          let got = 0;
          let s = at;
          for (const loc of flow.from) {
            for (const sku of skusAt(location(loc))) {
              const e = entry(loc, sku);
              const n = Math.min(want - got, e.units - e.tagged.length);
              if (n <= 0) continue;
              take(loc, sku, n); // untagged units go first
              scan(s, flow.scanner, sku, n, "PUTAWAY", door.location, loc);
              s += SCAN_GAP_MS;
              contents.set(sku, (contents.get(sku) ?? 0) + n);
              got += n;
            }
          }
          if (got === 0) break;
          const pallet = newPallet();
          const passAt = s + 30_000;
          steps.push({ kind: "portal-pass", at: passAt, deviceId: door.id, epcs: [pallet.hex] });
          const shipment = {
            id: `${file.name}-shipment-${++documentCount}`,
            siteId: site.siteId,
            dock: intended.location,
            lines: [...contents].map(([sku, qty]) => ({ sku, qty, sscc: pallet.sscc })),
          };
          openAndClose({ kind: "shipment", shipment }, at, passAt, flow.expected);
          if (wrong !== undefined) {
            wrongDocks.shift();
            faults.push({
              kind: "wrong-dock",
              atMs: wrong.at,
              deviceId: door.id,
              location: door.location,
              detail: `pallet ${pallet.sscc} of ${shipment.id} (door ${intended.id}) staged at and shipped through ${door.id}`,
              detectedBy: [{ source: "task", type: "WRONG_DOCK", location: door.location }],
              scoredBy: "tasks",
            });
          }
          break;
        }
        const door = intended;
        const epcs: string[] = [];
        const contents = new Map<string, number>();
        let s = at;
        for (const loc of flow.from) {
          for (const sku of skusAt(location(loc))) {
            if (epcs.length >= want) break;
            const e = entry(loc, sku);
            const n = Math.min(want - epcs.length, e.tagged.length);
            if (n === 0) continue;
            // Take the tagged units only: what the portal will see leave.
            e.units -= n;
            const tags = e.tagged.splice(0, n);
            scan(s, flow.scanner, sku, n, "PUTAWAY", door.location, loc);
            s += SCAN_GAP_MS;
            epcs.push(...tags);
            contents.set(sku, (contents.get(sku) ?? 0) + n);
          }
        }
        if (epcs.length === 0) break;
        steps.push({ kind: "portal-pass", at: s + 30_000, deviceId: door.id, epcs });
        shipped.push(...epcs);
        const shipment = {
          id: `${file.name}-shipment-${++documentCount}`,
          siteId: site.siteId,
          dock: door.location,
          lines: [...contents].map(([sku, qty]) => ({ sku, qty })),
        };
        openAndClose({ kind: "shipment", shipment }, at, s + 30_000, flow.expected);
        break;
      }
      case "transfer": {
        const { from, to, device: d } = zonePortal(flow.portal);
        const want = random.int(flow.items.min, flow.items.max);
        const epcs: string[] = [];
        for (const sku of flow.skus ?? skusAt(from)) {
          if (epcs.length >= want) break;
          epcs.push(...carry(from, to, sku, want - epcs.length));
        }
        if (epcs.length > 0) steps.push({ kind: "portal-pass", at, deviceId: d.id, epcs });
        break;
      }
      case "returns": {
        const door = portal(flow.door, "inbound");
        const n = Math.min(shipped.length, random.int(flow.items.min, flow.items.max));
        if (n === 0) break;
        const epcs = shipped.splice(0, n);
        steps.push({ kind: "portal-pass", at, deviceId: door.id, epcs, movementType: "RETURN" });
        // Back on the door's location, tagged; the SKU comes from the EPC.
        for (const epc of epcs) {
          const decoded = decodeSgtin96(epc);
          const sku = decoded.ok ? skuByGtin.get(decoded.value.gtin) : undefined;
          if (sku !== undefined) put(door.location, sku, 1, [epc]);
        }
        break;
      }
      case "cycle-count": {
        const loc = location(flow.locations[i % flow.locations.length] ?? "");
        let s = at;
        for (const sku of skusAt(loc)) {
          scan(s, flow.scanner, sku, entry(loc, sku).units, "COUNT", loc);
          s += SCAN_GAP_MS;
        }
        break;
      }
      case "replenishment":
        break;
    }
  }

  for (const p of pendingTruckFaults) throw invalid(where(`${p.fault.kind} at ${p.at} ms: no truck after it`));
  for (const w of wrongDocks) throw invalid(where(`wrong-dock at ${w.at} ms: no SSCC shipment after it`));

  function applyFault(fault: ScenarioFault, at: number): void {
    const record = (f: Omit<InjectedFault, "kind" | "atMs">): void => {
      faults.push({ kind: fault.kind, atMs: at, ...f });
    };
    switch (fault.kind) {
      case "freezer-door-open": {
        const sensor = device(fault.device, "temperature");
        if (sensor.kind !== "temperature") return;
        const before = bandBefore(steps, sensor.id, at) ?? defaultBand(zoneRange(site, sensor.location));
        steps.push({ kind: "temperature", at, deviceId: sensor.id, minC: fault.peakC - 0.5, maxC: fault.peakC + 0.5 });
        steps.push({ kind: "temperature", at: at + fault.duration, deviceId: sensor.id, ...before });
        record({
          endMs: at + fault.duration,
          deviceId: sensor.id,
          location: sensor.location,
          detail: `door of ${sensor.location} open: ${fault.peakC} °C`,
          detectedBy: [{ source: "alert", type: "TEMPERATURE_EXCURSION", location: sensor.location }],
        });
        return;
      }
      case "temperature-spike": {
        const sensor = device(fault.device, "temperature");
        if (sensor.kind !== "temperature") return;
        const before = bandBefore(steps, sensor.id, at) ?? defaultBand(zoneRange(site, sensor.location));
        steps.push({ kind: "temperature", at, deviceId: sensor.id, minC: fault.peakC - 0.5, maxC: fault.peakC + 0.5 });
        steps.push({ kind: "temperature", at: at + fault.duration, deviceId: sensor.id, ...before });
        record({
          endMs: at + fault.duration,
          deviceId: sensor.id,
          location: sensor.location,
          detail: `${sensor.id} reads ${fault.peakC} °C for ${fault.duration} ms (grace ${sensor.graceS} s)`,
          // Nothing may detect it: the cold-chain score counts any alert for it as false.
          detectedBy: [],
          scoredBy: "cold-chain",
        });
        return;
      }
      case "slow-warming": {
        const sensor = device(fault.device, "temperature");
        if (sensor.kind !== "temperature") return;
        const before = bandBefore(steps, sensor.id, at) ?? defaultBand(zoneRange(site, sensor.location));
        const half = (before.maxC - before.minC) / 2;
        const from = before.minC + half;
        // The band's middle climbs in steps of one reading period: a straight line as the sensor sees it.
        const stepMs = file.hardware.temperature?.period ?? 2000;
        for (let t = 0; t < fault.duration; t += stepMs) {
          const mid = from + ((fault.toC - from) * t) / fault.duration;
          steps.push({ kind: "temperature", at: at + t, deviceId: sensor.id, minC: mid - half, maxC: mid + half });
        }
        steps.push({ kind: "temperature", at: at + fault.duration, deviceId: sensor.id, ...before });
        const perMin = ((fault.toC - from) * 60_000) / fault.duration;
        record({
          endMs: at + fault.duration,
          deviceId: sensor.id,
          location: sensor.location,
          detail: `${sensor.location} warming ${perMin.toFixed(2)} °C/min to ${fault.toC} °C`,
          detectedBy: [
            { source: "alert", type: "TEMPERATURE_RATE", location: sensor.location },
            { source: "alert", type: "TEMPERATURE_EXCURSION", location: sensor.location },
          ],
        });
        return;
      }
      case "reader-offline": {
        const d = portal(fault.device);
        steps.push({ kind: "device-state", at, deviceId: d.id, state: "offline" });
        steps.push({ kind: "device-state", at: at + fault.duration, deviceId: d.id, state: "online" });
        record({
          endMs: at + fault.duration,
          deviceId: d.id,
          location: d.location,
          detail: `${d.id} offline`,
          detectedBy: [{ source: "alert", type: "DEVICE_SILENT" }],
        });
        return;
      }
      case "stuck-sensor": {
        const d = device(fault.device, "temperature");
        steps.push({
          kind: "device-state",
          at,
          deviceId: d.id,
          state: "stuck",
          ...(fault.celsius !== undefined && { celsius: fault.celsius }),
        });
        steps.push({ kind: "device-state", at: at + fault.duration, deviceId: d.id, state: "online" });
        record({
          endMs: at + fault.duration,
          deviceId: d.id,
          ...(d.kind === "temperature" && { location: d.location }),
          detail: `${d.id} stuck`,
          detectedBy: [
            { source: "alert", type: "SENSOR_STUCK", ...(d.kind === "temperature" && { location: d.location }) },
          ],
        });
        return;
      }
      case "flat-battery": {
        const d = device(fault.device, "temperature");
        steps.push({ kind: "device-state", at, deviceId: d.id, state: "dead" });
        record({
          deviceId: d.id,
          detail: `${d.id} battery flat`,
          detectedBy: [{ source: "alert", type: "DEVICE_SILENT" }],
        });
        return;
      }
      case "mis-shelved": {
        location(fault.from);
        location(fault.intended);
        location(fault.actual);
        const got = take(fault.from, fault.sku, fault.qty);
        if (got.qty === 0) throw invalid(where(`mis-shelved at ${at} ms: no ${fault.sku} at ${fault.from}`));
        scan(at, fault.scanner, fault.sku, got.qty, "PUTAWAY", fault.intended, fault.from, fault.actual);
        put(fault.actual, fault.sku, got.qty, got.tags);
        load(at + 1000, fault.actual, fault.sku, got.qty);
        const detectedBy: Detection[] = [
          { source: "task", type: "WEIGHT_NOT_WHOLE_UNITS", location: fault.actual },
          { source: "task", type: "WRONG_ZONE", location: fault.actual },
          { source: "task", type: "COUNT_MISMATCH", location: fault.actual },
          { source: "task", type: "COUNT_MISMATCH", location: fault.intended },
        ];
        record({
          location: fault.actual,
          detail: `${got.qty} ${fault.sku} scanned to ${fault.intended}, put on ${fault.actual}`,
          detectedBy,
        });
        return;
      }
      case "theft": {
        location(fault.location);
        const got = take(fault.location, fault.sku, fault.qty);
        if (got.qty === 0) throw invalid(where(`theft at ${at} ms: no ${fault.sku} at ${fault.location}`));
        if (shelfOf.has(fault.location)) {
          load(at, fault.location, fault.sku, -got.qty, false);
        } else {
          steps.push({ kind: "physical", at, sku: fault.sku, qty: got.qty, from: fault.location });
        }
        record({
          location: fault.location,
          detail: `${got.qty} ${fault.sku} stolen from ${fault.location}`,
          detectedBy: [{ source: "task", type: "COUNT_MISMATCH", location: fault.location }],
        });
        return;
      }
      case "unknown-tags": {
        const d = portal(fault.device);
        const gtin = `${FOREIGN_GTIN_BASE}${gs1CheckDigit(FOREIGN_GTIN_BASE)}`;
        const epcs = Array.from({ length: fault.count }, () => newTag(gtin));
        steps.push({ kind: "portal-pass", at, deviceId: d.id, epcs });
        record({
          deviceId: d.id,
          location: d.location,
          detail: `${fault.count} tags of an unknown GTIN through ${d.id}`,
          detectedBy: [{ source: "task", type: "UNKNOWN_TAG", location: d.location }],
          scoredBy: "tasks",
        });
        return;
      }
      case "parked-tags": {
        const d = portal(fault.device);
        const epcs = Array.from({ length: fault.count }, () => newTag(gtinOf(fault.sku)));
        const linger = lingerOf(fault);
        steps.push({
          kind: "portal-pass",
          at,
          deviceId: d.id,
          epcs,
          passMs: fault.duration,
          parked: true,
          ...(Object.keys(linger).length > 0 && { linger }),
        });
        // Leaving: an ordinary pass right after, which a correct edge records (once).
        if (fault.leaves) steps.push({ kind: "portal-pass", at: at + fault.duration, deviceId: d.id, epcs });
        const standing = linger.position === undefined ? "" : ` (${linger.position})`;
        record({
          endMs: at + fault.duration,
          deviceId: d.id,
          location: d.location,
          detail: `${fault.count} ${fault.sku} tags parked in ${d.id}'s field${standing}${fault.leaves ? `, then through it (${d.direction})` : ""}`,
          detectedBy: [],
          epcs: epcs.map(tagUri),
          ...(fault.leaves && { crosses: true }),
        });
        return;
      }
      case "staging-lane": {
        const d = portal(fault.device);
        for (const sku of fault.skus) gtinOf(sku);
        // Weakly read from the outside by default: pallets waiting in the lane, a few metres from the outer antenna.
        const linger = { position: "outside" as const, rssiDbm: stagingRssi(file), ...lingerOf(fault) };
        const epcs: string[] = [];
        for (let p = 0; p < fault.pallets; p++) {
          const dwell = Math.round(random.between(fault.dwell.min, fault.dwell.max));
          const arrives = at + Math.round(random.next() * (fault.duration - dwell));
          const n = random.int(fault.itemsPerPallet.min, fault.itemsPerPallet.max);
          if (n === 0) continue;
          const sku = fault.skus[random.int(0, fault.skus.length - 1)] ?? "";
          const tags = Array.from({ length: n }, () => newTag(gtinOf(sku)));
          epcs.push(...tags);
          steps.push({
            kind: "portal-pass",
            at: arrives,
            deviceId: d.id,
            epcs: tags,
            passMs: dwell,
            parked: true,
            linger,
          });
        }
        record({
          endMs: at + fault.duration,
          deviceId: d.id,
          location: d.location,
          detail: `${fault.pallets} pallets (${epcs.length} tags) coming and going in the staging lane ${linger.position} ${d.id}`,
          detectedBy: [],
          epcs: epcs.map(tagUri),
        });
        return;
      }
      case "aborted-pass": {
        const d = portal(fault.device);
        if (d.evidence === "one-antenna") {
          throw invalid(
            where(
              `aborted-pass at ${at} ms: ${d.id} reads from one side only; it cannot tell an approach that turns back from a crossing`,
            ),
          );
        }
        const epcs = Array.from({ length: fault.count }, () => newTag(gtinOf(fault.sku)));
        const approach = fault.approach ?? 2 * (file.hardware.portals?.pass ?? 2000);
        if (fault.crossesAfter !== undefined && fault.crossesAfter < approach) {
          throw invalid(
            where(`aborted-pass at ${at} ms: crossesAfter must not be shorter than the approach (${approach} ms)`),
          );
        }
        steps.push({
          kind: "portal-pass",
          at,
          deviceId: d.id,
          epcs,
          passMs: approach,
          aborted: { closestM: fault.closestM },
        });
        if (fault.crossesAfter !== undefined) {
          steps.push({ kind: "portal-pass", at: at + fault.crossesAfter, deviceId: d.id, epcs });
        }
        record({
          endMs: at + approach,
          deviceId: d.id,
          location: d.location,
          detail: `${fault.count} ${fault.sku} tags brought into ${d.id}'s field and taken away${fault.crossesAfter === undefined ? "" : `, through it ${fault.crossesAfter} ms later`}`,
          detectedBy: [],
          epcs: epcs.map(tagUri),
          ...(fault.crossesAfter !== undefined && { crosses: true }),
        });
        return;
      }
      case "wrong-zone": {
        const { from, to, device: d } = zonePortal(fault.device);
        const item = items.get(fault.sku);
        const zone = site.zones.find((z) => z.id === zoneOfLocation(to));
        if (item === undefined || zone === undefined || zone.temperatureClass === item.temperatureClass) {
          throw invalid(where(`wrong-zone at ${at} ms: ${fault.sku} may enter ${to}`));
        }
        const epcs = carry(from, to, fault.sku, fault.count);
        if (epcs.length === 0) throw invalid(where(`wrong-zone at ${at} ms: no tagged ${fault.sku} at ${from}`));
        steps.push({ kind: "portal-pass", at, deviceId: d.id, epcs });
        record({
          deviceId: d.id,
          location: to,
          detail: `${epcs.length} ${fault.sku} (${item.temperatureClass}) carried into ${to} (${zone.temperatureClass})`,
          detectedBy: [{ source: "task", type: "WRONG_ZONE", location: to }],
          scoredBy: "tasks",
        });
        return;
      }
      case "wrong-dock":
        portal(fault.device, "outbound");
        wrongDocks.push({ at, device: fault.device });
        return;
      case "unexpected-items":
      case "short-delivery":
        if (fault.device !== undefined) portal(fault.device, "inbound");
        gtinOf(fault.sku);
        pendingTruckFaults.push({ at, fault });
        return;
      case "uplink-cut":
        steps.push({ kind: "system", at, action: "uplink-cut" });
        steps.push({ kind: "system", at: at + fault.duration, action: "uplink-restore" });
        record({ endMs: at + fault.duration, detail: `uplink cut for ${fault.duration} ms`, detectedBy: [] });
        return;
      case "edge-restart":
        steps.push({ kind: "system", at, action: "edge-restart" });
        record({ detail: "edge process killed and started again", detectedBy: [] });
        return;
    }
  }

  return {
    name: file.name,
    seed: file.seed,
    durationMs: file.duration,
    steps,
    ...(Object.keys(file.hardware).length > 0 && { hardware: file.hardware }),
    ...(faults.length > 0 && { faults }),
    ...(asns.length > 0 && { asns }),
    ...(sensors.length > 0 && { graceS: Object.fromEntries(sensors.map((d) => [d.id, d.graceS])) }),
  };
}

/** The last temperature band set for a sensor before `at`, if any. */
function bandBefore(steps: ScenarioStep[], deviceId: string, at: number): { minC: number; maxC: number } | undefined {
  let band: { at: number; minC: number; maxC: number } | undefined;
  for (const s of steps) {
    if (s.kind === "temperature" && s.deviceId === deviceId && s.at <= at && (band === undefined || s.at >= band.at)) {
      band = s;
    }
  }
  return band === undefined ? undefined : { minC: band.minC, maxC: band.maxC };
}

/** The temperature range of the zone a location is in (none when the zone is unknown). */
function zoneRange(site: SiteLayout, loc: string): TemperatureRange {
  const zone = site.zones.find((z) => z.id === zoneOfLocation(loc));
  return zone === undefined ? {} : zoneTemperatureRange(zone);
}

/** The lingering settings a fault gives, without the ones it leaves to the hardware profile. */
function lingerOf(fault: Partial<LingerReads>): Partial<LingerReads> {
  return {
    ...(fault.position !== undefined && { position: fault.position }),
    ...(fault.readEvery !== undefined && { readEvery: fault.readEvery }),
    ...(fault.missProbability !== undefined && { missProbability: fault.missProbability }),
    ...(fault.rssiDbm !== undefined && { rssiDbm: fault.rssiDbm }),
    ...(fault.rssiJitterDb !== undefined && { rssiJitterDb: fault.rssiJitterDb }),
  };
}

/** Pallets in a staging lane stand about this far from the outer antenna, m. */
const STAGING_DISTANCE_M = 4;

/** RSSI of a pallet waiting in a staging lane: the hardware's at-antenna level, `STAGING_DISTANCE_M` away. */
function stagingRssi(file: ScenarioFile): number {
  const portals = file.hardware.portals;
  return (portals?.rssiAtAntennaDbm ?? -40) - (portals?.rssiFallPerMetreDb ?? 8) * STAGING_DISTANCE_M;
}
