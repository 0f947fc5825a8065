import type { Movement } from "@tally/protocols";
import type { ExcursionRecord } from "../excursions/excursion-record.js";
import type { ExcursionAtRisk } from "../excursions/excursions-at-risk.js";
import type { EpcisEvent } from "./epcis-mapping.js";

/**
 * An excursion as an EPCIS 2.0 sensor element (§7.3.6): its span in
 * `sensorMetadata` (time, startTime, endTime, deviceID) and one temperature
 * `sensorReport` with the peak as `maxValue` (above the range) or `minValue`
 * (below) and the `exception` ALARM_CONDITION (the sensor alert type for a
 * value out of its range). The mean is not known from the record: left out.
 */
export function excursionSensorElement(record: ExcursionRecord): Record<string, unknown> {
  return {
    sensorMetadata: {
      time: record.endedAt ?? record.raisedAt,
      startTime: record.startedAt,
      ...(record.endedAt !== undefined && { endTime: record.endedAt }),
      deviceID: `urn:tally:device:${record.deviceId}`,
    },
    sensorReport: [
      {
        type: "gs1:Temperature",
        uom: "CEL",
        ...(record.side === "above" ? { maxValue: record.peak } : { minValue: record.peak }),
        exception: "ALARM_CONDITION",
        "tally:excursionId": record.id,
        "tally:limit": record.limit,
        "tally:durationS": record.durationS,
        "tally:degreeMinutes": record.degreeMinutes,
      },
    ],
  };
}

/**
 * Whether a movement moves goods an excursion put at risk: its SKU and lot
 * (and EPC, for a serialised unit at risk) are in the excursion's stock at
 * risk, and it happened during or after the excursion.
 */
export function movesStockAtRisk(movement: Movement, excursion: ExcursionAtRisk): boolean {
  if (movement.siteId !== excursion.record.siteId) return false;
  if (Date.parse(movement.occurredAt) < Date.parse(excursion.record.startedAt)) return false;
  return excursion.stock.some(
    (s) =>
      s.sku === movement.sku &&
      (s.lot ?? "") === (movement.lot ?? "") &&
      (s.epc === undefined || s.epc === movement.epc),
  );
}

/** The events of these movements, each carrying the excursions whose stock at risk its movements moved. */
export function withExcursionSensors(
  events: readonly EpcisEvent[],
  movements: readonly Movement[],
  excursions: readonly ExcursionAtRisk[],
): EpcisEvent[] {
  if (excursions.length === 0) return [...events];
  const byId = new Map(movements.map((m) => [m.id, m]));
  return events.map((event) => {
    const ids = movementIdsOf(event);
    const records = excursions.filter((x) =>
      ids.some((id) => {
        const movement = byId.get(id);
        return movement !== undefined && movesStockAtRisk(movement, x);
      }),
    );
    if (records.length === 0) return event;
    return { ...event, sensorElementList: records.map((x) => excursionSensorElement(x.record)) };
  });
}

function movementIdsOf(event: EpcisEvent): string[] {
  const one = event["tally:movementId"];
  if (typeof one === "string") return [one];
  const many = event["tally:movementIds"];
  return Array.isArray(many) ? many.filter((id): id is string => typeof id === "string") : [];
}
