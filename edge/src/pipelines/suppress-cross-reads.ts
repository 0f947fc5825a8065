import { canonicalTimestampMs } from "@tally/protocols";
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, Subscription } from "rxjs";
import type { TagPass } from "./detect-passes.js";
import { type PassRank, RecentPasses, strengthOf } from "./recent-passes.js";

export interface CrossReadConfig {
  /** Passes of one tag at two portals whose read times are this close (or overlap) compete, ms. */
  windowMs: number;
  /** A pass is held this long for a competitor to show up before it is let through, ms. */
  holdOffMs: number;
  /** An RSSI lead of at least this many dB decides; below it, the pass with more reads wins, dB. */
  rssiMarginDb: number;
  /**
   * While a neighbouring portal still has a pass of the same tag open, a
   * held pass waits for it, hold-off after hold-off, up to this long in all, ms.
   */
  maxHoldMs: number;
  /**
   * Passes let through are remembered this long, so a rival that comes
   * later (a thinly read pass confirmed only once its tag left the field,
   * up to a presence timeout later) is still measured against them, ms.
   * Default 45 s.
   */
  rememberMs?: number;
  /** Most passes remembered at once (the oldest are forgotten first): a bound whatever the rate. Default 100,000. */
  maxRemembered?: number;
}

// Passes of one tag at two doors close within moments of each other when their reads arrive together (a
// short hold-off suffices), but at live speed a neighbour's stray pass can close seconds before the tag's
// own pass: a pass then waits while a neighbour still has the tag's pass open (`maxHoldMs`, decision 0013).
/** How long passes let through are remembered unless `rememberMs` says, ms. */
const DEFAULT_REMEMBER_MS = 45_000;
/** Most passes let through remembered at once unless `maxRemembered` says; past it the oldest go first. */
const MAX_REMEMBERED = 100_000;

export const DEFAULT_CROSS_READ_CONFIG: CrossReadConfig = {
  windowMs: 3000,
  holdOffMs: 500,
  rssiMarginDb: 3,
  maxHoldMs: 10_000,
};

/** Where passes of a tag are open now (`OpenPasses`, kept by `detectPasses`). */
export interface OpenPassLookup {
  portalsOf(epc: string): readonly string[];
}

/** When a pass's reads were made (device times) and received (edge times, when the reader said), ms. */
interface ReadTimes {
  firstMs: number;
  lastMs: number;
  receivedFromMs?: number | undefined;
  receivedToMs?: number | undefined;
}

interface Pending extends ReadTimes {
  pass: TagPass;
  /** Scheduler time it was first held. */
  heldSinceMs: number;
  /** Dropped for a stronger rival, or already let through. */
  done: boolean;
}

/** Passes held until the same moment: one timer for all of them (passes closed by one sweep come together). */
interface Release {
  dueMs: number;
  pending: Pending[];
  timer: Subscription;
}

/**
 * Whether two passes of a tag happened together: their read times overlap
 * within `windowMs` by the readers' clocks (corrected where the edge learnt
 * an offset), or by when the edge received them. Either is enough: a reader
 * whose clock is off, or one that delivers late, does not hide a rival.
 */
function together(a: ReadTimes, b: ReadTimes, windowMs: number): boolean {
  const byReader = a.firstMs <= b.lastMs + windowMs && b.firstMs <= a.lastMs + windowMs;
  if (byReader) return true;
  const { receivedFromMs: af, receivedToMs: at } = a;
  const { receivedFromMs: bf, receivedToMs: bt } = b;
  if (af === undefined || at === undefined || bf === undefined || bt === undefined) return false;
  return af <= bt + windowMs && bf <= at + windowMs;
}

/** Crossings around a pass at its door that make its door's case (with `SUPPORT_RATIO` over the other's). */
const MIN_SUPPORT = 3;
const SUPPORT_RATIO = 3;

/** How a pass proves its crossing, best first: its own reads, the tags that crossed with it, a thin pass, none. */
function proofRank(pass: PassRank): number {
  if (pass.verdict !== "crossing") return 0;
  if (pass.directionFrom === "group") return 2;
  // In order, but a single read on a side: confirmed only by the tag leaving the field.
  return pass.evidence === "weak-crossing" ? 1 : 3;
}

/**
 * The stronger of two competing passes: a crossing over a pass that is
 * none; then a clear RSSI lead (a tag is read most strongly at the door it
 * goes through); then, given `support` (tags that crossed each door around
 * then), the door with clearly more; then the better proof
 * of crossing; then the stronger read, however slight; then more reads.
 */
export function strongerPass<A extends PassRank, B extends PassRank>(
  a: A,
  b: B,
  rssiMarginDb: number,
  support?: (pass: PassRank) => number,
): A | B {
  const ca = a.verdict === "crossing";
  const cb = b.verdict === "crossing";
  if (ca !== cb) return ca ? a : b;
  if (Math.abs(a.maxRssi - b.maxRssi) >= rssiMarginDb) return a.maxRssi > b.maxRssi ? a : b;
  if (support !== undefined) {
    // Its pallet went through one of the doors: many tags crossed there with it, a few strays at the other.
    const sa = support(a);
    const sb = support(b);
    if (Math.max(sa, sb) >= MIN_SUPPORT && Math.max(sa, sb) >= SUPPORT_RATIO * Math.min(sa, sb)) return sa > sb ? a : b;
  }
  const ra = proofRank(a);
  const rb = proofRank(b);
  if (ra !== rb) return ra > rb ? a : b;
  if (a.maxRssi !== b.maxRssi) return a.maxRssi > b.maxRssi ? a : b;
  return a.reads >= b.reads ? a : b;
}

/**
 * Cross-read suppression: neighbouring dock doors read each other's tags. A
 * tag seen at two neighbouring portals within `windowMs` belongs to one of them only, the
 * one with the stronger pass (`strongerPass`); the other pass is dropped.
 * Each pass is held `holdOffMs` for a competitor, then let through; given
 * `openPasses`, it is held again while a neighbouring portal has a pass of
 * the same tag open (the competitor is still coming), up to `maxHoldMs`.
 * A pass that comes after its rival was let through is dropped if weaker.
 * Passes of one tag far apart in time (through door 1, later door 2) both
 * pass. Memory: one entry per pass held, and per pass let through within
 * `rememberMs` (at most `maxRemembered`, only what a rival is weighed against).
 */
export function suppressCrossReads(
  neighbours: (a: string, b: string) => boolean,
  config: CrossReadConfig = DEFAULT_CROSS_READ_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
  onSuppressed: (loser: TagPass, winner: PassRank) => void = () => undefined,
  openPasses?: OpenPassLookup,
  activity?: { around(portalId: string, atMs: number, windowMs: number): number },
): OperatorFunction<TagPass, TagPass> {
  return (passes$) =>
    new Observable<TagPass>((subscriber) => {
      const held = new Map<string, Pending[]>();
      const support =
        activity === undefined
          ? undefined
          : (p: PassRank) => {
              const at = p.crossingAt ?? p.lastAt;
              return activity.around(p.portalId, canonicalTimestampMs(at) ?? Date.parse(at), config.windowMs);
            };
      /** The latest group of passes held until one moment; a pass due then too joins it. */
      let last: Release | undefined;
      const releases = new Set<Release>();
      const forget = (pending: Pending) => {
        pending.done = true;
        const list = held.get(pending.pass.epc);
        if (list === undefined) return;
        const at = list.indexOf(pending);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0) held.delete(pending.pass.epc);
      };
      /**
       * Passes let through lately, by tag: a rival that comes after one was let through (a candidate
       * held while tags beside it crossed, or confirmed when it left the field) is dropped if it is the
       * weaker. Kept `rememberMs`.
       */
      // Only what a later rival is weighed against: a pass's evidence ids are not kept for `rememberMs`.
      const recent = new RecentPasses(config.rememberMs ?? DEFAULT_REMEMBER_MS, config.maxRemembered ?? MAX_REMEMBERED);
      const release = (pending: Pending) => {
        if (pending.done) return;
        forget(pending);
        const { pass } = pending;
        recent.add(pass.epc, strengthOf(pass, pending.firstMs, pending.lastMs), scheduler.now());
        subscriber.next(pass);
      };
      const rivalOpen = (pass: TagPass): boolean =>
        (openPasses?.portalsOf(pass.epc) ?? []).some(
          (portal) => portal !== pass.portalId && neighbours(portal, pass.portalId),
        );
      const hold = (pending: Pending) => {
        const dueMs = scheduler.now() + config.holdOffMs;
        if (last !== undefined && last.dueMs === dueMs && releases.has(last)) {
          last.pending.push(pending);
          return;
        }
        const group: Release = { dueMs, pending: [pending], timer: Subscription.EMPTY };
        releases.add(group);
        last = group;
        group.timer = scheduler.schedule(() => {
          releases.delete(group);
          if (last === group) last = undefined;
          for (const p of group.pending) {
            if (p.done) continue;
            if (rivalOpen(p.pass) && scheduler.now() - p.heldSinceMs < config.maxHoldMs) hold(p);
            else release(p);
          }
        }, config.holdOffMs);
      };
      const subscription = passes$.subscribe({
        next: (pass) => {
          const firstMs = canonicalTimestampMs(pass.firstAt) ?? Date.parse(pass.firstAt);
          const lastMs = canonicalTimestampMs(pass.lastAt) ?? Date.parse(pass.lastAt);
          const pending: Pending = {
            pass,
            firstMs,
            lastMs,
            receivedFromMs: pass.receivedFromMs,
            receivedToMs: pass.receivedToMs,
            heldSinceMs: scheduler.now(),
            done: false,
          };
          for (const { strength: rival } of recent.of(pass.epc, scheduler.now())) {
            if (
              neighbours(rival.portalId, pass.portalId) &&
              together(rival, pending, config.windowMs) &&
              strongerPass(rival, pass, config.rssiMarginDb, support) === rival
            ) {
              onSuppressed(pass, rival);
              return;
            }
          }
          const list = held.get(pass.epc);
          if (list !== undefined) {
            for (const rival of [...list]) {
              if (!neighbours(rival.pass.portalId, pass.portalId) || !together(rival, pending, config.windowMs))
                continue;
              const winner = strongerPass(rival.pass, pass, config.rssiMarginDb, support);
              if (winner === rival.pass) {
                onSuppressed(pass, rival.pass);
                return;
              }
              onSuppressed(rival.pass, pass);
              forget(rival);
            }
          }
          const now = held.get(pass.epc);
          if (now === undefined) held.set(pass.epc, [pending]);
          else now.push(pending);
          hold(pending);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          for (const group of releases) group.timer.unsubscribe();
          releases.clear();
          for (const list of [...held.values()]) {
            for (const pending of [...list]) release(pending);
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        for (const group of releases) group.timer.unsubscribe();
        releases.clear();
        held.clear();
        recent.clear();
      };
    });
}
