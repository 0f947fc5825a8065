import type { MovementType, ScanAction } from "@tally/protocols";

/**
 * A scripted timeline of what happens at a site. Times are milliseconds from
 * the start at speed 1; `play` divides them by its speed. Everything random in
 * what devices report (reads per tag, RSSI, temperatures) comes from `seed`,
 * so a scenario plays the same messages every time (only timestamps differ).
 */
export interface Scenario {
  name: string;
  seed: number;
  /** Length of the timeline, ms at speed 1; temperature sensors report until then. */
  durationMs: number;
  steps: ScenarioStep[];
}

/** Something happening at one device at time `at` (ms at speed 1). */
export type ScenarioStep = PortalPassStep | ScanStep | ShelfLoadStep | TemperatureStep;

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
  /** How long the pass lasts, ms at speed 1. Default 2000. */
  passMs?: number;
  /** Reads per tag per antenna, inclusive range. Default 3–5. */
  readsPerTag?: { min: number; max: number };
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
}

/**
 * Units are put on (`units` > 0) or taken off (`units` < 0) a shelf bin; its
 * weight changes by `units × unitWeightG` of the bin's SKU. Keep ≥ 1.5 s
 * between two changes of one bin so the edge sees each settle.
 */
export interface ShelfLoadStep {
  kind: "shelf-load";
  at: number;
  deviceId: string;
  /** The bin's location code. */
  location: string;
  units: number;
}

/** From `at` on, the sensor reads uniformly within [minC, maxC] °C. */
export interface TemperatureStep {
  kind: "temperature";
  at: number;
  deviceId: string;
  minC: number;
  maxC: number;
}

/** A movement that really happened, as the edge should report it. */
export interface TrueMovement {
  movementType: Extract<MovementType, "RECEIPT" | "PUTAWAY" | "PICK" | "SHIPMENT">;
  sku: string;
  qty: number;
  from?: string;
  to?: string;
  /** Pure identity EPC URI, for item-level reads. */
  epc?: string;
  /** The device whose messages are the evidence. */
  deviceId: string;
  /** When the step began, ms from the start at speed 1. */
  atMs: number;
  /** When the step began, wall clock (ISO 8601). */
  occurredAt: string;
}

/** What a play really did, for a scorer to compare the ledger and alerts against. */
export interface GroundTruth {
  scenario: string;
  movements: TrueMovement[];
  /** Stock at the end, non-zero only, sorted by location then SKU. */
  positions: { sku: string; location: string; qty: number }[];
  /** Temperature readings outside the zone's range: from the first out-of-range reading to the first one back in. */
  excursions: { deviceId: string; location: string; startedAt: string; endedAt?: string }[];
  /** Device messages the play sent: MQTT publishes (heartbeats excluded) plus OPC-UA value changes. */
  events: number;
}
