import type { Condition, EdgeEvent, Excursion } from "@tally/protocols";
import { concatMap, defer, from, type OperatorFunction } from "rxjs";
import { ExcursionTracker } from "../domain/excursion-tracker.js";
import type { TemperatureObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import type { EventDeps } from "./event-factory.js";

/** Told of each reading a temperature stage left out because it is older than what it already took (device time). */
export type LateTemperature = (deviceId: string, stage: "summaries" | "excursions" | "rate") => void;

function excursionDetail(t: TemperatureObservation, record: Excursion, state: Condition["state"]): string {
  const numbers = `peak ${record.peak} °C, ${record.degreeMinutes} °C·min over ${record.durationS} s, ${record.unknownS} s without readings`;
  return state === "raised"
    ? `${t.celsius} °C at ${t.location} has been ${record.side} the limit of ${record.limit} °C since ${record.startedAt} (${numbers})`
    : `${t.celsius} °C at ${t.location} is back within range by ${record.hysteresisC} °C (${numbers})`;
}

/**
 * Temperatures → TEMPERATURE_EXCURSION conditions carrying the excursion
 * record: raised when a sensor has been out of its zone's range for its grace
 * period (device time), cleared at the first reading back inside by the
 * device's hysteresis. One raise per episode; a spike shorter than the grace
 * sends no condition (`ExcursionTracker` has the rules).
 */
export function temperatureConditions(
  site: SiteIndex,
  deps: EventDeps,
  onLate?: LateTemperature,
): OperatorFunction<TemperatureObservation, EdgeEvent> {
  return (temps$) =>
    defer(() => {
      // One entry per temperature device of the site file: bounded.
      const trackers = new Map<string, ExcursionTracker>();
      return temps$.pipe(
        concatMap((t) => {
          const device = site.device(t.deviceId);
          const range = site.temperatureRangeAt(t.location);
          if (device?.kind !== "temperature" || range === undefined) return from([]);
          let tracker = trackers.get(t.deviceId);
          if (tracker === undefined) {
            tracker = new ExcursionTracker(device);
            trackers.set(t.deviceId, tracker);
          }
          const step = tracker.step(Date.parse(t.at), t.celsius, range);
          if (step.late) {
            onLate?.(t.deviceId, "excursions");
            return from([]);
          }
          const condition = (state: Condition["state"], record: Excursion): Condition => ({
            kind: "condition",
            id: deps.newId(),
            siteId: deps.siteId,
            occurredAt: t.at,
            conditionType: "TEMPERATURE_EXCURSION",
            state,
            key: `TEMPERATURE_EXCURSION:${t.deviceId}`,
            deviceId: t.deviceId,
            location: t.location,
            value: t.celsius,
            limit: record.limit,
            unit: "°C",
            detail: excursionDetail(t, record, state),
            excursion: record,
          });
          const out: Condition[] = [];
          if (step.ended?.raised === true) out.push(condition("cleared", step.ended.record));
          if (step.raised !== undefined) out.push(condition("raised", step.raised));
          return from(out);
        }),
      );
    });
}
