import type { ScanAction } from "@tally/protocols";
import type {
  Asn,
  DeviceStateStep,
  ExpectedDocument,
  ExpectedTask,
  InjectedFault,
  StockAtRiskTruth,
  StockLow,
  SystemStep,
  TrueMovement,
} from "./scenario.js";

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

export type Position = { sku: string; location: string; qty: number };

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

/** Stock that moved with no device to tell: the truth has it, the ledger cannot. */
export type Unrecorded = { sku: string; qty: number; from?: string; to?: string; atMs: number };

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
