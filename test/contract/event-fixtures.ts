import { randomUUID } from "node:crypto";
import type { Condition, ConditionType, CorrectionTask, Movement, MovementType, Telemetry } from "@tally/protocols";

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
}

export function movement(spec: MovementSpec): Movement {
  const m: Movement = {
    kind: "movement",
    id: spec.id ?? randomUUID(),
    siteId: SITE,
    occurredAt: "2026-11-22T08:00:00.000Z",
    movementType: spec.type ?? (spec.from === undefined ? "RECEIPT" : spec.to === undefined ? "SHIPMENT" : "TRANSFER"),
    sku: spec.sku,
    qty: spec.qty,
    evidence: { deviceId: "portal-1", observationIds: [] },
    confidence: 1,
  };
  if (spec.from !== undefined) m.from = spec.from;
  if (spec.to !== undefined) m.to = spec.to;
  if (spec.lot !== undefined) m.lot = spec.lot;
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

export function telemetry(value = 4.2): Telemetry {
  return {
    kind: "telemetry",
    id: randomUUID(),
    siteId: SITE,
    occurredAt: "2026-11-22T08:00:00.000Z",
    deviceId: "temp-1",
    metric: "temperature",
    value,
    unit: "°C",
  };
}
