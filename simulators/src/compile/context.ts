import {
  decodeEpc,
  decodeSgtin96,
  type ExpectedDocuments,
  encodeEpc,
  encodeSgtin96,
  type ScenarioFault,
  type ScenarioFile,
  type SiteLayout,
} from "@tally/protocols";
import { deriveSeed, seededRandom } from "../random.js";
import type { Asn, ExpectedDocument, InjectedFault, ScenarioStep } from "../scenario.js";
import { SimulatorError, SimulatorErrorCode } from "../simulator-error.js";
import { BIN_GAP_MS, COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, FIRST_SERIAL, SSCC_UNIT_LOAD_FILTER } from "./constants.js";
import { TrueStock } from "./true-stock.js";

export const invalid = (message: string): SimulatorError =>
  new SimulatorError(SimulatorErrorCode.ScenarioInvalid, message);

/** Faults that wait for the next truck (at their door, when they name one). */
export type TruckFault = Extract<ScenarioFault, { kind: "unexpected-items" | "short-delivery" }>;

/** Everything a flow or fault compiler reads and writes while a scenario compiles. */
export type CompileContext = ReturnType<typeof createCompileContext>;

/**
 * The compile's shared state and helpers: site lookups (which throw clear
 * errors), the true stock, tag and pallet ids, and the steps, faults and
 * ASNs compiled so far. The order of its random draws is the file's seed's.
 */
export function createCompileContext(file: ScenarioFile, site: SiteLayout) {
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
  const stock = new TrueStock();
  let serial = FIRST_SERIAL;
  let palletSerial = 1;
  let documentCount = 0;
  const lastBinLoad = new Map<string, number>();

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
  const zonePortal = (id: string) => {
    const d = portal(id);
    if (d.zonePortal === undefined) throw invalid(where(`${id} is not a zone portal (no zonePortal)`));
    const { inside, outside } = d.zonePortal;
    return d.direction === "inbound"
      ? { device: d, from: outside, to: inside }
      : { device: d, from: inside, to: outside };
  };
  /** The earliest time ≥ `at` a bin may change again (each change settles before the next). */
  const binSlot = (bin: string, at: number): number => {
    const t = Math.max(at, (lastBinLoad.get(bin) ?? Number.NEGATIVE_INFINITY) + BIN_GAP_MS);
    lastBinLoad.set(bin, t);
    return t;
  };
  /** Keeps every load of a bin out of [`at`, `until`]: its load cell is misreading then. */
  const holdBin = (bin: string, at: number, until: number): number => {
    const start = binSlot(bin, at);
    lastBinLoad.set(bin, Math.max(start, until));
    return start;
  };
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
  const nextDocumentId = (kind: "asn" | "shipment"): string => `${file.name}-${kind}-${++documentCount}`;
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

  return {
    file,
    site,
    random,
    items,
    skuByGtin,
    shelfOf,
    steps,
    faults,
    asns,
    stock,
    /** EPCs shipped through outbound doors, oldest first: what returns bring back. */
    shipped: [] as string[],
    pendingTruckFaults: [] as { at: number; fault: TruckFault }[],
    /** Wrong-dock faults waiting for the next SSCC shipment. */
    wrongDocks: [] as { at: number; device: string }[],
    where,
    gtinOf,
    newTag,
    tagUri,
    portal,
    device,
    location,
    zonePortal,
    binSlot,
    holdBin,
    newPallet,
    nextDocumentId,
    openAndClose,
  };
}

/** The faults waiting for the next truck at `doorId` (or at any door), removed from the waiting list. */
export function takeTruckFaults(ctx: CompileContext, doorId: string): TruckFault[] {
  const mine = ctx.pendingTruckFaults.filter((p) => p.fault.device === undefined || p.fault.device === doorId);
  for (const p of mine) ctx.pendingTruckFaults.splice(ctx.pendingTruckFaults.indexOf(p), 1);
  return mine.map((p) => p.fault);
}
