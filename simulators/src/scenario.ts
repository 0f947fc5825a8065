import type {
  CorrectionTaskType,
  ExpectedReceipt,
  ExpectedShipment,
  HardwareProfile,
  LingerReads,
  MovementType,
  ScanAction,
} from "@tally/protocols";

/**
 * A scripted timeline of what happens at a site. Times are milliseconds from
 * the start at speed 1; `play` divides them by its speed. Everything random in
 * what devices report (reads per tag, RSSI, temperatures, misses) comes from
 * `seed`, so a scenario plays the same messages every time (only timestamps
 * differ).
 */
export interface Scenario {
  name: string;
  seed: number;
  /** Length of the timeline, ms at speed 1; temperature sensors report until then. */
  durationMs: number;
  steps: ScenarioStep[];
  /** How the hardware misbehaves; absent = ideal devices (what the demo plays). */
  hardware?: HardwareProfile;
  /** Faults injected on purpose, for the ground truth and the scorer (the steps carry out their effects). */
  faults?: InjectedFault[];
  /** Expected receipts per truck (ASN), for the ground truth. */
  asns?: Asn[];
  /**
   * Grace periods (s) the truth judges temperature excursions by, per sensor
   * id: those of the site the scenario was written for. Absent for a sensor:
   * the playing site's. A play against an edge configured otherwise (a
   * control run) is then measured against what the scenario meant.
   */
  graceS?: Record<string, number>;
}

/** Something happening at one device (or to the system) at time `at` (ms at speed 1). */
export type ScenarioStep =
  | PortalPassStep
  | ScanStep
  | ShelfLoadStep
  | LoadCellFaultStep
  | TemperatureStep
  | PhysicalStep
  | DeviceStateStep
  | SystemStep
  | DocumentStep;

/**
 * Tagged items pass an RFID portal: each tag is read `readsPerTag` times on
 * the outer antenna, then as many times on the inner one (inbound; the
 * reverse for an outbound portal), spread over `passMs`.
 */
export interface PortalPassStep {
  kind: "portal-pass";
  at: number;
  deviceId: string;
  /** SGTIN-96 (or any) EPCs as hex; duplicates are one tag. */
  epcs: string[];
  /** How long the pass lasts, ms at speed 1. Default 2000 (or the hardware profile's). */
  passMs?: number;
  /** Reads per tag per antenna, inclusive range. Default 3–5 (or the hardware profile's). */
  readsPerTag?: { min: number; max: number };
  /**
   * `parked`: the tags stand inside the read field for `passMs` and are read
   * now and then, weakly, without passing: nothing moves.
   */
  parked?: boolean;
  /** How parked tags are read (where they stand, how often, how strongly); absent: the hardware profile's. */
  linger?: Partial<LingerReads>;
  /**
   * `aborted`: the tags come into the field on the side they come from, as
   * close as `closestM` metres to that antenna, and go back the way they
   * came over `passMs`: that antenna only, RSSI rising then falling. Nothing
   * moves.
   */
  aborted?: { closestM: number };
  /** The true movement type of each tag: RECEIPT/SHIPMENT by the portal's direction, or RETURN. */
  movementType?: "RETURN";
}

/** An operator scans a barcode: the `scan` payload without its timestamp. */
export interface ScanStep {
  kind: "scan";
  at: number;
  deviceId: string;
  gtin: string;
  qty: number;
  action: ScanAction;
  /** RECEIPT/PUTAWAY: where to; PICK: where from. Default: the scanner's location. */
  location?: string;
  /** PUTAWAY: where from. */
  fromLocation?: string;
  lot?: string;
  /**
   * What really moved when it differs from what was scanned (operator error,
   * mis-shelving): another SKU, and/or another location than `location`.
   */
  actual?: { sku?: string; location?: string };
  /** `false`: the scan moved nothing (a double scan). */
  moves?: false;
}

/**
 * Units are put on (`units` > 0) or taken off (`units` < 0) a shelf bin; its
 * weight changes by `units × unitWeightG` of the bin's SKU (or of `sku`). Keep
 * ≥ 1.5 s between two changes of one bin so the edge sees each settle.
 */
export interface ShelfLoadStep {
  kind: "shelf-load";
  at: number;
  deviceId: string;
  /** The bin's location code. */
  location: string;
  units: number;
  /** Units of another SKU than the bin's (a mis-shelved item). */
  sku?: string;
  /** `false`: not a legitimate movement (theft); the true stock still changes. */
  moves?: false;
  /** A drop that is the physical side of a PICK already scanned: the scan's movement is the true one. */
  scanned?: true;
}

/**
 * A shelf bin's load cell misreads from `at` for `durationMs`, then reads
 * the bin's true weight again: `stuck` repeats one exact value (no noise),
 * `out-of-range` reads above the bin's `capacityG`, `negative` far below its
 * tare. Nothing moves.
 */
export interface LoadCellFaultStep {
  kind: "load-cell-fault";
  at: number;
  deviceId: string;
  location: string;
  mode: "stuck" | "out-of-range" | "negative";
  durationMs: number;
}

/** From `at` on, the sensor reads uniformly within [minC, maxC] °C. */
export interface TemperatureStep {
  kind: "temperature";
  at: number;
  deviceId: string;
  minC: number;
  maxC: number;
}

/** Stock changes with no device seeing it (theft from an unwatched bin): true stock only. */
export interface PhysicalStep {
  kind: "physical";
  at: number;
  sku: string;
  qty: number;
  from?: string;
  to?: string;
}

/**
 * A device's state from `at` on: `offline` sends nothing (heartbeats
 * included) until `online`; `dead` never sends again (flat battery); `stuck`
 * (temperature) repeats `celsius` (default: its last reading) until `online`.
 */
export interface DeviceStateStep {
  kind: "device-state";
  at: number;
  deviceId: string;
  state: "offline" | "online" | "dead" | "stuck";
  celsius?: number;
}

/** Something done to the system under test, through the play's hooks. */
export interface SystemStep {
  kind: "system";
  at: number;
  action: "uplink-cut" | "uplink-restore" | "edge-restart";
}

/** An expected receipt (ASN) or shipment, as created in the cloud (open). */
export type ExpectedDocument =
  | { kind: "receipt"; receipt: Omit<ExpectedReceipt, "status"> }
  | { kind: "shipment"; shipment: Omit<ExpectedShipment, "status"> };

/**
 * The play creates (`open`) or closes (`close`) an expected document in the
 * cloud, through `PlayHooks.documents`, and waits until the edge has it.
 */
export interface DocumentStep {
  kind: "document";
  at: number;
  action: "open" | "close";
  document: ExpectedDocument;
}

/** A signal the system under test may raise for a fault: an alert kind or a correction task type. */
export interface Detection {
  source: "alert" | "task";
  type: string;
  /** Where it must be raised; absent = anywhere. */
  location?: string;
}

/** A fault injected on purpose. */
export interface InjectedFault {
  kind: string;
  atMs: number;
  endMs?: number;
  deviceId?: string;
  location?: string;
  detail: string;
  /** Signals that count as detecting it; empty = nothing in Tally's contracts can detect it (not scored). */
  detectedBy: Detection[];
  /**
   * `tasks`: scored through the expected tasks it causes (one per tag or line) rather than as one anomaly;
   * `cold-chain`: scored by the cold-chain part of the report (a temperature spike no one may alert).
   */
  scoredBy?: "tasks" | "cold-chain";
  /**
   * Pure identity EPC URIs of the tags it is about (parked, lingering,
   * staged and aborted tags: no movement may carry one beyond those in the
   * truth, i.e. their crossing when they go through at last).
   */
  epcs?: string[];
  /** `true`: its tags go through the door at last (staged then loaded, brought close then through): one movement each. */
  crosses?: boolean;
}

/** A correction task a correct edge raises for what the play does, with what identifies it. */
export interface ExpectedTask {
  taskType: CorrectionTaskType;
  location: string;
  sku?: string;
  /** Pure identity EPC URI (SGTIN or SSCC) of the tag it is about. */
  epc?: string;
  /** When its cause happened, ms from the start at speed 1. */
  atMs: number;
  detail: string;
}

/** The first time the true stock of an item with a reorder point fell below it at a storage or picking location. */
export interface StockLow {
  sku: string;
  location: string;
  reorderPoint: number;
  atMs: number;
}

/** Expected receipts of one truck. */
export interface Asn {
  truck: number;
  door: string;
  atMs: number;
  expected: { sku: string; qty: number }[];
  received: { sku: string; qty: number }[];
}

/** A movement that really happened, as the edge should report it. */
export interface TrueMovement {
  movementType: Extract<MovementType, "RECEIPT" | "PUTAWAY" | "TRANSFER" | "PICK" | "SHIPMENT" | "RETURN">;
  sku: string;
  qty: number;
  from?: string;
  to?: string;
  /** Pure identity EPC URI, for item-level reads. */
  epc?: string;
  /** The batch/lot the scan carried. */
  lot?: string;
  /** The 18-digit SSCC, for a line of an SSCC-tagged pallet. */
  sscc?: string;
  /** The device whose messages are the evidence. */
  deviceId: string;
  /** When the step began, ms from the start at speed 1. */
  atMs: number;
  /** When the step began, wall clock (ISO 8601). */
  occurredAt: string;
  /**
   * A portal movement's crossing: the moment the tag passed between the
   * antennas (the middle of its pass), device clock (ISO 8601), and how far
   * a recorded time may be from it and still be that crossing, ms of device
   * clock (the pass's length at the play's speed: the edge's estimate lies
   * within the pass by construction, and the rest covers what is left of a
   * reader's clock offset after correction).
   */
  crossedAt?: string;
  crossingToleranceMs?: number;
}

/** A fault as written to the ground truth, with wall-clock times. */
export interface TrueFault extends InjectedFault {
  startedAt: string;
  endedAt?: string;
  /** False when the play had no hook to inject it (e.g. an uplink cut against an external edge). */
  injected: boolean;
}

/** What a play really did, for a scorer to compare the ledger and alerts against. */
export interface GroundTruth {
  scenario: string;
  /** Wall clock of the start and end of the play (ISO 8601). */
  startedAt?: string;
  endedAt?: string;
  /**
   * Every other time in the truth is device time, the clock the devices
   * stamp their messages with. At a numeric speed that is the wall clock; a
   * play at `max` stamps the scenario's own clock (laid out to end when the
   * play started), and records here when the play reached which device
   * time, sorted, so latencies can be measured on the wall clock.
   */
  clock?: { deviceMs: number; wallMs: number }[];
  movements: TrueMovement[];
  /** Stock changes no device recorded (theft, the physical side of mis-shelving): in `positions`, not in `movements`. */
  unrecorded?: { sku: string; qty: number; from?: string; to?: string; atMs: number }[];
  /** Stock at the end, non-zero only, sorted by location then SKU. */
  positions: { sku: string; location: string; qty: number }[];
  /**
   * True temperature outside the zone's range: from the first reading outside
   * it to the first one back inside it by the sensor's `hysteresisC`.
   */
  excursions: TrueExcursion[];
  faults?: TrueFault[];
  asns?: Asn[];
  /** Correction tasks a correct edge raises, with the wall-clock time of their cause. */
  tasks?: (ExpectedTask & { occurredAt: string })[];
  /** Expected receipts and shipments the play created in the cloud, with when they were opened and closed. */
  documents?: (ExpectedDocument & { openedAt: string; closedAt?: string })[];
  /** Per SKU and storage/picking location: the first time its true stock fell below the reorder point. */
  stockLows?: (StockLow & { startedAt: string })[];
  /** Device messages the play sent: MQTT publishes (heartbeats excluded) plus OPC-UA value changes. */
  events: number;
}

/** Stock that was in a zone while it was out of range: units of one SKU and lot (no lot: `lot` absent). */
export interface StockAtRiskTruth {
  sku: string;
  lot?: string;
  /** Units in the zone when the excursion began plus units that arrived in it before it ended. */
  quantity: number;
}

/** A true temperature excursion, device time. */
export interface TrueExcursion {
  deviceId: string;
  location: string;
  startedAt: string;
  endedAt?: string;
  /** The zone of the sensor's location. */
  zone?: string;
  /** The sensor's grace period, s of scenario time (the site's, or the scenario's own). */
  graceS?: number;
  /** When the grace ran out (`startedAt` + grace, device time): when a correct edge alerts. */
  graceEndsAt?: string;
  /** Longer than its grace: a correct system alerts it; otherwise it must stay silent. */
  alertable?: boolean;
  /** Alertable excursions: the stock in the zone during it, by SKU and lot, from the true movements. */
  stockAtRisk?: StockAtRiskTruth[];
}
