import type { Condition, EdgeEvent } from "@tally/protocols";
import { concatMap, defer, from, type OperatorFunction } from "rxjs";
import type { TemperatureObservation } from "../domain/observation.js";
import { RATE_CLEAR_SHARE, RateTracker } from "../domain/rate-tracker.js";
import type { SiteIndex } from "../domain/site-index.js";
import type { EventDeps } from "./event-factory.js";
import type { LateTemperature } from "./temperature-conditions.js";

/**
 * Temperatures → TEMPERATURE_RATE conditions for sensors with a
 * `maxRateCPerMin`: raised when the reading changed faster than that over the
 * device's `rateWindowS` (either direction; `value` is the signed rate in
 * °C/min), cleared once it is below 80 % of the limit. A freezer warming fast
 * is worth a look before its limit is crossed.
 */
export function temperatureRate(
  site: SiteIndex,
  deps: EventDeps,
  onLate?: LateTemperature,
): OperatorFunction<TemperatureObservation, EdgeEvent> {
  return (temps$) =>
    defer(() => {
      // One entry per temperature device of the site file with a rate limit: bounded.
      const trackers = new Map<string, RateTracker>();
      return temps$.pipe(
        concatMap((t) => {
          const device = site.device(t.deviceId);
          if (device?.kind !== "temperature" || device.maxRateCPerMin === undefined) return from([]);
          const limit = device.maxRateCPerMin;
          let tracker = trackers.get(t.deviceId);
          if (tracker === undefined) {
            tracker = new RateTracker({ maxRateCPerMin: limit, rateWindowS: device.rateWindowS, gapS: device.gapS });
            trackers.set(t.deviceId, tracker);
          }
          const step = tracker.step(Date.parse(t.at), t.celsius);
          if (step.kind === "late") {
            onLate?.(t.deviceId, "rate");
            return from([]);
          }
          if (step.kind === "none") return from([]);
          const direction = step.rate > 0 ? "rising" : "falling";
          const condition: Condition = {
            kind: "condition",
            id: deps.newId(),
            siteId: deps.siteId,
            occurredAt: t.at,
            conditionType: "TEMPERATURE_RATE",
            state: step.kind,
            key: `TEMPERATURE_RATE:${t.deviceId}`,
            deviceId: t.deviceId,
            location: t.location,
            value: step.rate,
            limit,
            unit: "°C/min",
            detail:
              step.kind === "raised"
                ? `${t.deviceId} at ${t.location} is ${direction} ${Math.abs(step.rate)} °C/min over ${device.rateWindowS} s, faster than ${limit} °C/min (now ${t.celsius} °C)`
                : `${t.deviceId} at ${t.location} changes ${Math.abs(step.rate)} °C/min, below ${RATE_CLEAR_SHARE * 100} % of ${limit} °C/min again`,
          };
          return from([condition]);
        }),
      );
    });
}
