import type { Condition, EdgeEvent } from "@tally/protocols";
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from "rxjs";
import type { Observation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import type { EventDeps } from "./event-factory.js";

/**
 * Devices that go quiet → DEVICE_SILENT conditions. Every MQTT device of the
 * site file (they send heartbeats; OPC-UA shelves are watched through their
 * session instead) must be heard from — any message counts — at least every
 * `afterMs`; past that the condition is raised, and cleared by the device's
 * next message. The watch starts when the edge does, so a device that never
 * speaks is reported too. One timer per device of the site file.
 */
export function deviceSilence(
  site: SiteIndex,
  deps: EventDeps,
  afterMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<Observation, EdgeEvent> {
  return (observations$) =>
    new Observable<EdgeEvent>((subscriber) => {
      const watched = site.site.devices
        .filter((d) => !(d.kind === "shelf" && d.transport === "opcua"))
        .map((d) => d.id);
      const timers = new Map<string, Subscription>();
      const silent = new Set<string>();
      const condition = (deviceId: string, state: Condition["state"], detail: string): Condition => {
        const device = site.device(deviceId);
        return {
          kind: "condition",
          id: deps.newId(),
          siteId: deps.siteId,
          occurredAt: new Date(scheduler.now()).toISOString(),
          conditionType: "DEVICE_SILENT",
          state,
          key: `DEVICE_SILENT:${deviceId}`,
          deviceId,
          ...(device !== undefined && "location" in device ? { location: device.location } : {}),
          detail,
        };
      };
      const lastHeardMs = new Map<string, number>();
      // One timer per device, re-armed only when it fires: hearing from a device is a map write, not a timer.
      const watch = (deviceId: string, delayMs: number) => {
        timers.set(
          deviceId,
          scheduler.schedule(() => {
            const quietMs = scheduler.now() - (lastHeardMs.get(deviceId) ?? startMs);
            if (quietMs < afterMs) {
              watch(deviceId, afterMs - quietMs);
              return;
            }
            timers.delete(deviceId);
            silent.add(deviceId);
            subscriber.next(
              condition(deviceId, "raised", `${deviceId} has not been heard from for ${afterMs / 1000} s`),
            );
          }, delayMs),
        );
      };
      const startMs = scheduler.now();
      for (const id of watched) watch(id, afterMs);
      const watchedSet = new Set(watched);
      const subscription = observations$.subscribe({
        next: (o) => {
          if (!watchedSet.has(o.deviceId)) return;
          lastHeardMs.set(o.deviceId, scheduler.now());
          if (silent.delete(o.deviceId)) {
            subscriber.next(condition(o.deviceId, "cleared", `${o.deviceId} is heard from again`));
            watch(o.deviceId, afterMs);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        for (const timer of timers.values()) timer.unsubscribe();
      };
    });
}
