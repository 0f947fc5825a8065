import type { EdgeEvent, Telemetry } from "@tally/protocols";
import { Observable, type OperatorFunction, type SchedulerLike, type Subscription } from "rxjs";
import type { TemperatureObservation } from "../domain/observation.js";
import type { EventDeps } from "./event-factory.js";
import type { LateTemperature } from "./temperature-conditions.js";

/** The most readings one summary may count (the protocol's bound). */
const MAX_SUMMARY_COUNT = 10_000_000;

interface Period {
  startMs: number;
  location: string;
  min: number;
  max: number;
  sum: number;
  count: number;
  /** Scheduler time of the period's last reading, ms. */
  lastSeenMs: number;
}

interface SensorPeriods {
  open?: Period | undefined;
  /** Readings before this (device time, ms) belong to a period already sent. */
  closedBeforeMs: number;
}

/**
 * Full-rate temperatures → one summary per sensor per period of device time
 * (`periodMs`, aligned to multiples of it since the epoch): `value` the mean,
 * `summary` its min, max and count, `occurredAt` the period's start. A period
 * is sent when a reading of a later one arrives, when its sensor has been
 * silent for a whole period of the scheduler's time (so the last minute
 * before a quiet spell is not held), and when the input completes. A reading
 * of a period already sent is left out and counted (`onLate`): a second
 * summary of one period would overwrite the first in the telemetry store.
 * One open period per sensor of the site file: bounded.
 */
export function summarizeTemperatures(
  deps: EventDeps,
  periodMs: number,
  scheduler: SchedulerLike,
  onLate?: LateTemperature,
): OperatorFunction<TemperatureObservation, EdgeEvent> {
  const periodS = Math.max(1, Math.round(periodMs / 1000));
  return (temps$) =>
    new Observable<EdgeEvent>((subscriber) => {
      const sensors = new Map<string, SensorPeriods>();
      let sweep: Subscription | undefined;
      const emit = (deviceId: string, p: Period) => {
        // Float sums can put the mean a hair outside [min, max] (three 4.1s): the protocol refuses that.
        const mean = Math.min(p.max, Math.max(p.min, Math.round((p.sum / p.count) * 10_000) / 10_000));
        const telemetry: Telemetry = {
          kind: "telemetry",
          id: deps.newId(),
          siteId: deps.siteId,
          occurredAt: new Date(p.startMs).toISOString(),
          deviceId,
          metric: "temperature",
          value: mean,
          unit: "°C",
          location: p.location,
          summary: { periodS, min: p.min, max: p.max, count: p.count },
        };
        subscriber.next(telemetry);
      };
      const close = (deviceId: string, sensor: SensorPeriods) => {
        const open = sensor.open;
        if (open === undefined) return;
        sensor.open = undefined;
        sensor.closedBeforeMs = open.startMs + periodMs;
        emit(deviceId, open);
      };
      const scheduleSweep = () => {
        if (sweep !== undefined) return;
        sweep = scheduler.schedule(() => {
          sweep = undefined;
          const now = scheduler.now();
          let waiting = false;
          for (const [deviceId, sensor] of sensors) {
            if (sensor.open === undefined) continue;
            if (now - sensor.open.lastSeenMs >= periodMs) close(deviceId, sensor);
            else waiting = true;
          }
          if (waiting) scheduleSweep();
        }, periodMs);
      };
      const subscription = temps$.subscribe({
        next: (t) => {
          const atMs = Date.parse(t.at);
          const startMs = Math.floor(atMs / periodMs) * periodMs;
          let sensor = sensors.get(t.deviceId);
          if (sensor === undefined) {
            sensor = { closedBeforeMs: Number.NEGATIVE_INFINITY };
            sensors.set(t.deviceId, sensor);
          }
          const open = sensor.open;
          if (startMs < sensor.closedBeforeMs || (open !== undefined && startMs < open.startMs)) {
            onLate?.(t.deviceId, "summaries");
            return;
          }
          const now = scheduler.now();
          if (open !== undefined && startMs === open.startMs) {
            // The protocol's bound on a summary's count (a day-long period of a flooding sensor): past it, late.
            if (open.count >= MAX_SUMMARY_COUNT) {
              onLate?.(t.deviceId, "summaries");
              return;
            }
            if (t.celsius < open.min) open.min = t.celsius;
            if (t.celsius > open.max) open.max = t.celsius;
            open.sum += t.celsius;
            open.count++;
            open.lastSeenMs = now;
            return;
          }
          close(t.deviceId, sensor);
          sensor.open = {
            startMs,
            location: t.location,
            min: t.celsius,
            max: t.celsius,
            sum: t.celsius,
            count: 1,
            lastSeenMs: now,
          };
          scheduleSweep();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sweep?.unsubscribe();
          for (const [deviceId, sensor] of sensors) close(deviceId, sensor);
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        sweep?.unsubscribe();
        sensors.clear();
      };
    });
}
