import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, Subscription } from "rxjs";
import type { TagPass } from "./detect-passes.js";

export interface CrossReadConfig {
  /** Passes of one tag at two portals whose read times are this close (or overlap) compete, ms. */
  windowMs: number;
  /** A pass is held this long for a competitor to show up before it is let through, ms. */
  holdOffMs: number;
  /** An RSSI lead of at least this many dB decides; below it, the pass with more reads wins, dB. */
  rssiMarginDb: number;
}

// Competing passes of one tag close within moments of each other (both end when the tag leaves the
// field), so a short hold-off suffices.
export const DEFAULT_CROSS_READ_CONFIG: CrossReadConfig = { windowMs: 3000, holdOffMs: 500, rssiMarginDb: 6 };

interface Pending {
  pass: TagPass;
  firstMs: number;
  lastMs: number;
  timer: Subscription;
}

/** The stronger of two competing passes: a clear RSSI lead, else more reads, else the stronger read. */
export function strongerPass(a: TagPass, b: TagPass, rssiMarginDb: number): TagPass {
  if (Math.abs(a.maxRssi - b.maxRssi) >= rssiMarginDb) return a.maxRssi > b.maxRssi ? a : b;
  if (a.reads !== b.reads) return a.reads > b.reads ? a : b;
  return a.maxRssi >= b.maxRssi ? a : b;
}

/**
 * Cross-read suppression: neighbouring dock doors read each other's tags. A
 * tag seen at two neighbouring portals within `windowMs` belongs to one of them only, the
 * one with the stronger pass (`strongerPass`); the other pass is dropped.
 * Each pass is held `holdOffMs` for a competitor, then let through. Passes of
 * one tag far apart in time (through door 1, later door 2) both pass.
 * Memory: one entry per pass held, for `holdOffMs`.
 */
export function suppressCrossReads(
  neighbours: (a: string, b: string) => boolean,
  config: CrossReadConfig = DEFAULT_CROSS_READ_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
  onSuppressed: (loser: TagPass, winner: TagPass) => void = () => undefined,
): OperatorFunction<TagPass, TagPass> {
  return (passes$) =>
    new Observable<TagPass>((subscriber) => {
      const held = new Map<string, Pending[]>();
      const release = (epc: string, pending: Pending) => {
        const list = held.get(epc);
        if (list === undefined) return;
        const at = list.indexOf(pending);
        if (at < 0) return;
        list.splice(at, 1);
        if (list.length === 0) held.delete(epc);
        subscriber.next(pending.pass);
      };
      const drop = (epc: string, pending: Pending) => {
        pending.timer.unsubscribe();
        const list = held.get(epc) ?? [];
        list.splice(list.indexOf(pending), 1);
        if (list.length === 0) held.delete(epc);
      };
      const subscription = passes$.subscribe({
        next: (pass) => {
          const firstMs = Date.parse(pass.firstAt);
          const lastMs = Date.parse(pass.lastAt);
          const rivals = (held.get(pass.epc) ?? []).filter(
            (p) =>
              neighbours(p.pass.portalId, pass.portalId) &&
              firstMs <= p.lastMs + config.windowMs &&
              p.firstMs <= lastMs + config.windowMs,
          );
          for (const rival of rivals) {
            const winner = strongerPass(rival.pass, pass, config.rssiMarginDb);
            if (winner === rival.pass) {
              onSuppressed(pass, rival.pass);
              return;
            }
            onSuppressed(rival.pass, pass);
            drop(pass.epc, rival);
          }
          const pending: Pending = { pass, firstMs, lastMs, timer: Subscription.EMPTY };
          const list = held.get(pass.epc) ?? [];
          list.push(pending);
          held.set(pass.epc, list);
          pending.timer = scheduler.schedule(() => release(pass.epc, pending), config.holdOffMs);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          for (const [epc, list] of held) {
            for (const pending of [...list]) {
              pending.timer.unsubscribe();
              release(epc, pending);
            }
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        for (const list of held.values()) for (const p of list) p.timer.unsubscribe();
        held.clear();
      };
    });
}
