import { randomUUID } from "node:crypto";
import type {
  Condition,
  ConditionType,
  CorrectionTask,
  Movement,
  MovementType,
  SiteLayout,
  Telemetry,
} from "@tally/protocols";

export const SITE = "S1";
export const meta = (seq = 0) => ({ edgeId: "edge-1", siteId: SITE, batchId: randomUUID(), seq });

export interface MovementSpec {
  sku: string;
  qty: number;
  from?: string;
  to?: string;
  lot?: string;
  type?: MovementType;
  id?: string;
  occurredAt?: string;
  epc?: string;
  sscc?: string;
  siteId?: string;
}

export function movement(spec: MovementSpec): Movement {
  const m: Movement = {
    kind: "movement",
    id: spec.id ?? randomUUID(),
    siteId: spec.siteId ?? SITE,
    occurredAt: spec.occurredAt ?? "2026-11-22T08:00:00.000Z",
    movementType: spec.type ?? (spec.from === undefined ? "RECEIPT" : spec.to === undefined ? "SHIPMENT" : "TRANSFER"),
    sku: spec.sku,
    qty: spec.qty,
    evidence: { deviceId: "portal-1", observationIds: [] },
    confidence: 1,
  };
  if (spec.from !== undefined) m.from = spec.from;
  if (spec.to !== undefined) m.to = spec.to;
  if (spec.lot !== undefined) m.lot = spec.lot;
  if (spec.epc !== undefined) m.epc = spec.epc;
  if (spec.sscc !== undefined) m.sscc = spec.sscc;
  return m;
}

export function condition(
  key: string,
  state: "raised" | "cleared",
  conditionType: ConditionType = "TEMPERATURE_EXCURSION",
  occurredAt = "2026-11-22T08:00:00.000Z",
): Condition {
  return {
    kind: "condition",
    id: randomUUID(),
    siteId: SITE,
    occurredAt,
    conditionType,
    state,
    key,
    deviceId: "temp-1",
    location: "S1/COLD/01",
    value: 9.5,
    limit: 8,
    unit: "°C",
    detail: "chilled zone above 8 °C",
  };
}

export function task(location = "S1/A/01"): CorrectionTask {
  return {
    kind: "task",
    id: randomUUID(),
    siteId: SITE,
    occurredAt: "2026-11-22T08:00:00.000Z",
    taskType: "WRONG_ZONE",
    location,
    priority: "normal",
    detail: "chilled item seen in ambient storage",
    evidence: { deviceId: "portal-1", observationIds: ["obs-1"] },
  };
}

export function telemetry(value = 4.2, overrides: Partial<Telemetry> = {}): Telemetry {
  return {
    kind: "telemetry",
    id: randomUUID(),
    siteId: SITE,
    occurredAt: "2026-11-22T08:00:00.000Z",
    deviceId: "temp-1",
    metric: "temperature",
    value,
    unit: "°C",
    ...overrides,
  };
}

/** A minimal valid site layout for site S1: zones DOCK (dock), A and B (storage), Q (quarantine). */
export function siteLayout(): SiteLayout {
  return {
    siteId: SITE,
    zones: [
      { id: "DOCK", kind: "dock", temperatureClass: "ambient" },
      { id: "A", kind: "storage", temperatureClass: "ambient" },
      { id: "B", kind: "picking", temperatureClass: "ambient" },
      { id: "Q", kind: "quarantine", temperatureClass: "ambient" },
    ],
    locations: [
      { code: "S1/DOCK/D1", zone: "DOCK" },
      { code: "S1/A/01", zone: "A" },
      { code: "S1/A/02", zone: "A" },
      { code: "S1/B/01", zone: "B" },
      { code: "S1/Q/01", zone: "Q" },
    ],
    devices: [],
    items: [
      { sku: "SKU-1", gtins: ["00614141000012"], temperatureClass: "ambient", reorderPoint: 5, safetyStock: 2 },
      { sku: "SKU-2", gtins: [], temperatureClass: "ambient" },
    ],
  };
}
