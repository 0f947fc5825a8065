import type { EdgeEvent, Telemetry } from "@tally/protocols";
import { defer, filter, map, type OperatorFunction } from "rxjs";
import type { TemperatureObservation } from "../domain/observation.js";
import type { EventDeps } from "./event-factory.js";

/**
 * Full-rate temperatures → at most one telemetry point per sensor per
 * interval (device time). Conditions are computed on the full rate upstream;
 * the cloud only needs the trend.
 */
export function downsampleTemperatures(
  deps: EventDeps,
  intervalMs: number,
): OperatorFunction<TemperatureObservation, EdgeEvent> {
  return (temps$) =>
    defer(() => {
      // One entry per temperature device: bounded by the site file.
      const lastSent = new Map<string, number>();
      return temps$.pipe(
        filter((t) => {
          const atMs = Date.parse(t.at);
          const last = lastSent.get(t.deviceId);
          if (last !== undefined && atMs - last < intervalMs && atMs >= last) return false;
          lastSent.set(t.deviceId, atMs);
          return true;
        }),
        map(
          (t): Telemetry => ({
            kind: "telemetry",
            id: deps.newId(),
            siteId: deps.siteId,
            occurredAt: t.at,
            deviceId: t.deviceId,
            metric: "temperature",
            value: t.celsius,
            unit: "°C",
            location: t.location,
          }),
        ),
      );
    });
}
