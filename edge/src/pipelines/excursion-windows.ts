import type { EdgeEvent, Telemetry } from "@tally/protocols";
import { concatMap, defer, from, type OperatorFunction } from "rxjs";
import { ExcursionTracker } from "../domain/excursion-tracker.js";
import type { TemperatureObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import type { EventDeps } from "./event-factory.js";

/** Readings kept per sensor for the window before an excursion, however fast it reports (10 Hz over 15 min). */
export const MAX_WINDOW_READINGS = 9000;

interface SensorWindow {
  tracker: ExcursionTracker;
  /** Readings not sent, newest last, at most `excursionWindowS` old and `MAX_WINDOW_READINGS` many. */
  recent: { atMs: number; t: TemperatureObservation }[];
  /** Readings up to this device time (ms) are sent as they come: an open episode, then its window after. */
  sendUntilMs: number;
}

/**
 * Full-rate readings around each excursion (spikes shorter than the grace
 * included, so the chart shows them): the `excursionWindowS` before its first
 * reading out of range, every reading while it lasts, and those until
 * `excursionWindowS` after it ends, each once as plain `Telemetry` with
 * `excursionWindow: true`. Sent readings leave the buffer, so two close
 * excursions never send one reading twice. A reading older than the sensor's
 * latest is left out here (the excursion stage counts it).
 */
export function excursionWindows(
  site: SiteIndex,
  deps: EventDeps,
): OperatorFunction<TemperatureObservation, EdgeEvent> {
  return (temps$) =>
    defer(() => {
      // One entry per temperature device of the site file: bounded.
      const sensors = new Map<string, SensorWindow>();
      const reading = (t: TemperatureObservation): Telemetry => ({
        kind: "telemetry",
        id: deps.newId(),
        siteId: deps.siteId,
        occurredAt: t.at,
        deviceId: t.deviceId,
        metric: "temperature",
        value: t.celsius,
        unit: "°C",
        location: t.location,
        excursionWindow: true,
      });
      return temps$.pipe(
        concatMap((t) => {
          const device = site.device(t.deviceId);
          const range = site.temperatureRangeAt(t.location);
          if (device?.kind !== "temperature" || range === undefined) return from([]);
          let sensor = sensors.get(t.deviceId);
          if (sensor === undefined) {
            sensor = { tracker: new ExcursionTracker(device), recent: [], sendUntilMs: Number.NEGATIVE_INFINITY };
            sensors.set(t.deviceId, sensor);
          }
          const atMs = Date.parse(t.at);
          const windowMs = device.excursionWindowS * 1000;
          const step = sensor.tracker.step(atMs, t.celsius, range);
          if (step.late) return from([]);
          const out: Telemetry[] = [];
          if (step.started) {
            for (const r of sensor.recent) if (r.atMs >= atMs - windowMs) out.push(reading(r.t));
            sensor.recent = [];
          }
          if (step.open) sensor.sendUntilMs = Number.POSITIVE_INFINITY;
          else if (step.ended !== undefined) sensor.sendUntilMs = atMs + windowMs;
          if (atMs <= sensor.sendUntilMs) {
            out.push(reading(t));
            return from(out);
          }
          const recent = sensor.recent;
          recent.push({ atMs, t });
          let drop = 0;
          while (
            drop < recent.length &&
            ((recent[drop]?.atMs ?? atMs) < atMs - windowMs || recent.length - drop > MAX_WINDOW_READINGS)
          ) {
            drop++;
          }
          if (drop > 0) recent.splice(0, drop);
          return from(out);
        }),
      );
    });
}
