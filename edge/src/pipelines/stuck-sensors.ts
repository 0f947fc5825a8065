import type { Condition, EdgeEvent } from "@tally/protocols";
import { concatMap, defer, from, type OperatorFunction } from "rxjs";
import type { TemperatureObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import type { EventDeps } from "./event-factory.js";

/** Fewest identical readings in a row that can make a sensor stuck, however long they span. */
const MIN_REPEATS = 5;

interface RunState {
  value: number;
  /** Device time of the first reading of the run, ms. */
  sinceMs: number;
  repeats: number;
  raised: boolean;
}

/**
 * Temperatures → SENSOR_STUCK conditions: a sensor whose readings repeat one
 * exact value for its `stuckAfterS` (device time, at least five readings) is
 * stuck — a live sensor's noise moves the value — so its readings say nothing
 * about the room. Raised once per episode, cleared at the first reading that
 * differs.
 */
export function stuckSensors(site: SiteIndex, deps: EventDeps): OperatorFunction<TemperatureObservation, EdgeEvent> {
  return (temps$) =>
    defer(() => {
      // One entry per temperature device of the site file: bounded.
      const runs = new Map<string, RunState>();
      return temps$.pipe(
        concatMap((t) => {
          const device = site.device(t.deviceId);
          if (device?.kind !== "temperature" || device.stuckAfterS === 0) return from([]);
          const atMs = Date.parse(t.at);
          const run = runs.get(t.deviceId);
          const condition = (state: Condition["state"], detail: string, value: number): Condition => ({
            kind: "condition",
            id: deps.newId(),
            siteId: deps.siteId,
            occurredAt: t.at,
            conditionType: "SENSOR_STUCK",
            state,
            key: `SENSOR_STUCK:${t.deviceId}`,
            deviceId: t.deviceId,
            location: t.location,
            value,
            unit: "°C",
            detail,
          });
          if (run === undefined || run.value !== t.celsius) {
            runs.set(t.deviceId, { value: t.celsius, sinceMs: atMs, repeats: 1, raised: false });
            if (run?.raised !== true) return from([]);
            return from([
              condition("cleared", `${t.deviceId} reads ${t.celsius} °C again after ${run.value} °C`, t.celsius),
            ]);
          }
          run.repeats++;
          if (run.raised || run.repeats < MIN_REPEATS || atMs - run.sinceMs < device.stuckAfterS * 1000)
            return from([]);
          run.raised = true;
          const seconds = Math.round((atMs - run.sinceMs) / 1000);
          return from([
            condition(
              "raised",
              `${t.deviceId} at ${t.location} has read exactly ${t.celsius} °C ${run.repeats} times over ${seconds} s: stuck`,
              t.celsius,
            ),
          ]);
        }),
      );
    });
}
