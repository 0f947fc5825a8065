import type { Condition, EdgeEvent } from "@tally/protocols";
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from "rxjs";
import type { DeviceLink } from "../domain/device-link.js";
import type { Observation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import type { EventDeps } from "./event-factory.js";

/**
 * Devices that go quiet or lose their connection → DEVICE_SILENT conditions.
 * Every MQTT device of the site file is watched (OPC-UA shelves are watched
 * through their session instead), in one of two ways:
 *
 * - a device with heartbeats (the default) must be heard from — any message
 *   counts, an `offline` will does not — at least every `afterMs`; past that
 *   the condition is raised, and cleared by its next message;
 * - a device declared `heartbeat: false` (a dock reader at an idle door has
 *   nothing to say for hours) is judged by its connection: raised when it has
 *   been down for `afterMs`, cleared when it is up again, never because it
 *   sent no data. With `links$` (the embedded broker reports connections)
 *   only those reports and its `offline` will count; without (an external
 *   broker), its will says it went down and any other message that it is up.
 *
 * Every device starts down (or unheard) when the edge does, so one that never
 * connects is reported too. Times are the scheduler's, never the device's.
 * One timer per device of the site file.
 */
export function deviceSilence(
  site: SiteIndex,
  deps: EventDeps,
  afterMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): (observations$: Observable<Observation>, links$?: Observable<DeviceLink>) => Observable<EdgeEvent> {
  return (observations$, links$) =>
    new Observable<EdgeEvent>((subscriber) => {
      const watched = site.site.devices.filter((d) => !(d.kind === "shelf" && d.transport === "opcua"));
      const byConnection = new Set(watched.filter((d) => d.heartbeat === false).map((d) => d.id));
      const byHeartbeat = new Set(watched.filter((d) => d.heartbeat !== false).map((d) => d.id));
      const timers = new Map<string, Subscription>();
      const silent = new Set<string>();
      const startMs = scheduler.now();
      const lastHeardMs = new Map<string, number>();
      /** Devices judged by their connection that are down now, with since when (absent: up). */
      const downSinceMs = new Map<string, number>(Array.from(byConnection, (id) => [id, startMs]));
      const connections = new Map<string, Set<string>>();

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
      /** Since when the device counts as gone; undefined while it is fine. */
      const goneSinceMs = (deviceId: string): number | undefined =>
        byConnection.has(deviceId) ? downSinceMs.get(deviceId) : (lastHeardMs.get(deviceId) ?? startMs);
      // One timer per device, re-armed only when it fires: hearing from a device is a map write, not a timer.
      const watch = (deviceId: string, delayMs: number) => {
        timers.set(
          deviceId,
          scheduler.schedule(() => {
            timers.delete(deviceId);
            const since = goneSinceMs(deviceId);
            if (since === undefined) return;
            const goneMs = scheduler.now() - since;
            if (goneMs < afterMs) {
              watch(deviceId, afterMs - goneMs);
              return;
            }
            silent.add(deviceId);
            const what = byConnection.has(deviceId) ? "has had no connection" : "has not been heard from";
            subscriber.next(condition(deviceId, "raised", `${deviceId} ${what} for ${afterMs / 1000} s`));
          }, delayMs),
        );
      };
      for (const d of watched) watch(d.id, afterMs);

      const heard = (deviceId: string) => {
        lastHeardMs.set(deviceId, scheduler.now());
        if (silent.delete(deviceId)) {
          subscriber.next(condition(deviceId, "cleared", `${deviceId} is heard from again`));
          watch(deviceId, afterMs);
        }
      };
      const up = (deviceId: string) => {
        downSinceMs.delete(deviceId);
        timers.get(deviceId)?.unsubscribe();
        timers.delete(deviceId);
        if (silent.delete(deviceId)) subscriber.next(condition(deviceId, "cleared", `${deviceId} is connected again`));
      };
      const down = (deviceId: string) => {
        if (downSinceMs.has(deviceId)) return;
        downSinceMs.set(deviceId, scheduler.now());
        if (!timers.has(deviceId)) watch(deviceId, afterMs);
      };

      const observed = observations$.subscribe({
        next: (o) => {
          const offline = o.type === "heartbeat" && o.status === "offline";
          if (byHeartbeat.has(o.deviceId)) {
            // A will is the broker speaking for a device that is gone, not a sign of life.
            if (!offline) heard(o.deviceId);
            return;
          }
          if (!byConnection.has(o.deviceId)) return;
          if (offline) {
            // Another live connection outweighs the will of one that died.
            if ((connections.get(o.deviceId)?.size ?? 0) === 0) down(o.deviceId);
          } else if (links$ === undefined) {
            up(o.deviceId);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      const linked = links$?.subscribe((link) => {
        if (!byConnection.has(link.deviceId)) return;
        // Bounded: one entry per device of the site file, holding its open connections only.
        let open = connections.get(link.deviceId);
        if (open === undefined) {
          open = new Set();
          connections.set(link.deviceId, open);
        }
        if (link.state === "connected") {
          open.add(link.connection);
          up(link.deviceId);
        } else {
          open.delete(link.connection);
          if (open.size === 0) down(link.deviceId);
        }
      });
      return () => {
        observed.unsubscribe();
        linked?.unsubscribe();
        for (const timer of timers.values()) timer.unsubscribe();
      };
    });
}
