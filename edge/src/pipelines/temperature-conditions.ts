import type { Condition, EdgeEvent, TemperatureRange } from "@tally/protocols";
import { concatMap, defer, from, type OperatorFunction } from "rxjs";
import type { TemperatureObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import type { EventDeps } from "./event-factory.js";

interface SensorState {
  /** When the current out-of-range run began (device time, ms). */
  outSinceMs?: number | undefined;
  raised: boolean;
}

function limitBroken(celsius: number, range: TemperatureRange): number | undefined {
  if (range.maxC !== undefined && celsius > range.maxC) return range.maxC;
  if (range.minC !== undefined && celsius < range.minC) return range.minC;
  return undefined;
}

/**
 * Temperatures → TEMPERATURE_EXCURSION conditions: raised when a sensor has
 * read outside its zone's range for at least its grace period (device time),
 * cleared at the first reading back in range. One raise per episode.
 */
export function temperatureConditions(
  site: SiteIndex,
  deps: EventDeps,
): OperatorFunction<TemperatureObservation, EdgeEvent> {
  return (temps$) =>
    defer(() => {
      // One entry per temperature device of the site file: bounded.
      const states = new Map<string, SensorState>();
      return temps$.pipe(
        concatMap((t) => {
          const device = site.device(t.deviceId);
          const range = site.temperatureRangeAt(t.location);
          if (device?.kind !== "temperature" || range === undefined) return from([]);
          const state = states.get(t.deviceId) ?? { raised: false };
          states.set(t.deviceId, state);
          const atMs = Date.parse(t.at);
          const limit = limitBroken(t.celsius, range);
          const condition = (s: Condition["state"], detail: string): Condition => ({
            kind: "condition",
            id: deps.newId(),
            siteId: deps.siteId,
            occurredAt: t.at,
            conditionType: "TEMPERATURE_EXCURSION",
            state: s,
            key: `TEMPERATURE_EXCURSION:${t.deviceId}`,
            deviceId: t.deviceId,
            location: t.location,
            value: t.celsius,
            ...(limit !== undefined ? { limit } : {}),
            unit: "°C",
            detail,
          });
          if (limit === undefined) {
            state.outSinceMs = undefined;
            if (!state.raised) return from([]);
            state.raised = false;
            return from([condition("cleared", `${t.celsius} °C is back within range at ${t.location}`)]);
          }
          state.outSinceMs ??= atMs;
          if (state.raised || atMs - state.outSinceMs < device.graceS * 1000) return from([]);
          state.raised = true;
          const side = range.maxC !== undefined && t.celsius > range.maxC ? "above" : "below";
          return from([condition("raised", `${t.celsius} °C at ${t.location} is ${side} the limit of ${limit} °C`)]);
        }),
      );
    });
}
