import type { Condition, EdgeEvent } from "@tally/protocols";
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from "rxjs";
import type { ReaderNoticeObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import type { EventDeps } from "./event-factory.js";

/**
 * Reader buffer overflows → a READER_OVERFLOW condition per reader: raised at
 * the first notice (reads were lost, so counts at that door are suspect),
 * cleared after `quietMs` without another. One timer per reader of the site.
 */
export function readerOverflowConditions(
  site: SiteIndex,
  deps: EventDeps,
  quietMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<ReaderNoticeObservation, EdgeEvent> {
  return (notices$) =>
    new Observable<EdgeEvent>((subscriber) => {
      const raised = new Map<string, Subscription>();
      const condition = (
        n: ReaderNoticeObservation,
        state: Condition["state"],
        at: string,
        detail: string,
      ): Condition => {
        const device = site.device(n.deviceId);
        return {
          kind: "condition",
          id: deps.newId(),
          siteId: deps.siteId,
          occurredAt: at,
          conditionType: "READER_OVERFLOW",
          state,
          key: `READER_OVERFLOW:${n.deviceId}`,
          deviceId: n.deviceId,
          ...(device !== undefined && "location" in device ? { location: device.location } : {}),
          ...(n.notice.eventsPurged !== undefined ? { value: n.notice.eventsPurged, unit: "events" } : {}),
          detail,
        };
      };
      const subscription = notices$.subscribe({
        next: (n) => {
          const timer = raised.get(n.deviceId);
          if (timer === undefined) {
            const purged = n.notice.eventsPurged === undefined ? "" : ` (${n.notice.eventsPurged} events purged)`;
            subscriber.next(
              condition(n, "raised", n.at, `reader ${n.deviceId} overflowed its buffer and lost reads${purged}`),
            );
          } else {
            timer.unsubscribe();
          }
          raised.set(
            n.deviceId,
            scheduler.schedule(() => {
              raised.delete(n.deviceId);
              const at = new Date(scheduler.now()).toISOString();
              subscriber.next(condition(n, "cleared", at, `no overflow from ${n.deviceId} for ${quietMs / 1000} s`));
            }, quietMs),
          );
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        for (const timer of raised.values()) timer.unsubscribe();
      };
    });
}
