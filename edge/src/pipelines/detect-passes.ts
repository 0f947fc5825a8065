import { canonicalTimestampMs, type RfidPortalDevice } from "@tally/protocols";
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from "rxjs";
import type { TagReadObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";

/** One tag going through one portal: all its reads from the first until a silence. */
export interface TagPass {
  portalId: string;
  /** EPC, upper-case hex. */
  epc: string;
  /** Device times of the first and last read, ISO 8601. */
  firstAt: string;
  lastAt: string;
  reads: number;
  /** Strongest read, dBm. */
  maxRssi: number;
  direction: "inbound" | "outbound";
  /** `antennas`: from the order the outer and inner antennas saw the tag; `door`: the door's configured direction. */
  directionFrom: "antennas" | "door";
  /** The tag stayed in the field longer than the stationary limit: it was parked, not passing. */
  stationary: boolean;
  /** The first few read observations, as evidence. */
  observationIds: string[];
}

export interface DetectPassesConfig {
  /** A pass closes after this long without a read of its tag at its portal, ms. */
  silenceMs: number;
  /** A tag in the field longer than this is parked, and its pass makes no movement, ms. */
  stationaryMs: number;
  /** Most passes open at once; past it the oldest is closed early (bounded memory). */
  maxOpenPasses: number;
  /**
   * The outer and inner antennas' mean read times must differ by at least
   * this much for the order to tell the direction; closer is a tie, and the
   * door's direction decides, ms.
   */
  minDirectionGapMs: number;
}

// 2.5 s: a dock door reading each tag only a few times a pass, and missing some, leaves gaps of over a
// second inside one pass; a shorter silence cuts such a pass into fragments below `minReads` (decision 0013).
export const DEFAULT_PASS_CONFIG: DetectPassesConfig = {
  silenceMs: 2500,
  stationaryMs: 60_000,
  maxOpenPasses: 100_000,
  minDirectionGapMs: 100,
};

interface OpenPass {
  /** `portal|epc`: the pass's key in the map of open passes. */
  key: string;
  portal: RfidPortalDevice;
  epc: string;
  firstAt: string;
  lastAt: string;
  lastAtMs: number;
  reads: number;
  maxRssi: number;
  outerSumMs: number;
  outerN: number;
  innerSumMs: number;
  innerN: number;
  openedMs: number;
  lastSeenMs: number;
  observationIds: string[];
}

const MAX_EVIDENCE = 5;

/**
 * Which portals have a pass of a tag open right now, kept up to date by
 * `detectPasses`: cross-read suppression asks it whether a rival pass may
 * still come (`suppressCrossReads`). One entry per open pass.
 */
export class OpenPasses {
  readonly #byEpc = new Map<string, string[]>();

  opened(epc: string, portalId: string): void {
    const portals = this.#byEpc.get(epc);
    if (portals === undefined) this.#byEpc.set(epc, [portalId]);
    else portals.push(portalId);
  }

  closed(epc: string, portalId: string): void {
    const portals = this.#byEpc.get(epc);
    if (portals === undefined) return;
    const at = portals.indexOf(portalId);
    if (at >= 0) portals.splice(at, 1);
    if (portals.length === 0) this.#byEpc.delete(epc);
  }

  /** Portals with an open pass of `epc`. */
  portalsOf(epc: string): readonly string[] {
    return this.#byEpc.get(epc) ?? [];
  }

  get size(): number {
    return this.#byEpc.size;
  }
}

/**
 * Tag reads → passes, per portal and tag (GS1 ALE-style event cycles): a pass
 * opens at the first read and closes after `silenceMs` without one. Reads
 * weaker than the portal's `minRssi` are ignored; passes with fewer than its
 * `minReads` reads are noise and dropped. Direction comes from which antennas
 * saw the tag first (outer → inner is inbound), by the mean read time on each
 * side, falling back to the door's configured direction. Silence is measured
 * on the scheduler (so tests run in virtual time) and in device time: reads
 * of one tag further apart than `silenceMs` are two passes however they arrive.
 * `openPasses`, when given, is kept up to date with the passes open.
 */
export function detectPasses(
  site: SiteIndex,
  config: DetectPassesConfig = DEFAULT_PASS_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
  openPasses?: OpenPasses,
): OperatorFunction<TagReadObservation, TagPass> {
  return (reads$) =>
    new Observable<TagPass>((subscriber) => {
      /** Open passes by `portal|epc`, in the order they opened (the oldest is closed first when full). */
      const open = new Map<string, OpenPass>();
      /** The same passes by portal, then EPC: found on every read without building the key. */
      const byPortal = new Map<string, Map<string, OpenPass>>();
      let sweep: Subscription | undefined;
      const sweepEveryMs = Math.max(10, Math.floor(config.silenceMs / 4));

      const close = (pass: OpenPass) => {
        open.delete(pass.key);
        byPortal.get(pass.portal.id)?.delete(pass.epc);
        openPasses?.closed(pass.epc, pass.portal.id);
        if (pass.reads < pass.portal.filter.minReads) return;
        subscriber.next(toPass(pass, config));
      };
      const scheduleSweep = () => {
        if (sweep !== undefined || open.size === 0) return;
        sweep = scheduler.schedule(() => {
          sweep = undefined;
          const now = scheduler.now();
          for (const pass of open.values()) {
            if (now - pass.lastSeenMs >= config.silenceMs) close(pass);
          }
          scheduleSweep();
        }, sweepEveryMs);
      };

      const subscription = reads$.subscribe({
        next: (read) => {
          const portal = site.device(read.deviceId);
          if (portal?.kind !== "rfid-portal" || read.rssi < portal.filter.minRssi) return;
          const now = scheduler.now();
          let atPortal = byPortal.get(portal.id);
          if (atPortal === undefined) {
            atPortal = new Map();
            byPortal.set(portal.id, atPortal);
          }
          let pass = atPortal.get(read.epc);
          // Device times come normalised (canonical UTC) from decoding: read without Date.
          const atMs = canonicalTimestampMs(read.at) ?? Date.parse(read.at);
          // A gap in device time ends the pass too, even when the reads arrive together (replayed, or buffered by the reader).
          if (pass !== undefined && atMs - pass.lastAtMs > config.silenceMs) {
            close(pass);
            pass = undefined;
          }
          if (pass === undefined) {
            if (open.size >= config.maxOpenPasses) {
              const oldest = open.values().next();
              if (!oldest.done) close(oldest.value);
            }
            pass = {
              key: `${portal.id}|${read.epc}`,
              portal,
              epc: read.epc,
              firstAt: read.at,
              lastAt: read.at,
              lastAtMs: atMs,
              reads: 0,
              maxRssi: read.rssi,
              outerSumMs: 0,
              outerN: 0,
              innerSumMs: 0,
              innerN: 0,
              openedMs: now,
              lastSeenMs: now,
              observationIds: [],
            };
            open.set(pass.key, pass);
            atPortal.set(read.epc, pass);
            openPasses?.opened(read.epc, portal.id);
          }
          pass.reads++;
          pass.lastSeenMs = now;
          if (read.at < pass.firstAt) pass.firstAt = read.at;
          if (atMs > pass.lastAtMs) {
            pass.lastAt = read.at;
            pass.lastAtMs = atMs;
          }
          if (read.rssi > pass.maxRssi) pass.maxRssi = read.rssi;
          if (pass.observationIds.length < MAX_EVIDENCE) pass.observationIds.push(read.id);
          if (portal.antennas.outer.includes(read.antenna)) {
            pass.outerSumMs += atMs;
            pass.outerN++;
          } else if (portal.antennas.inner.includes(read.antenna)) {
            pass.innerSumMs += atMs;
            pass.innerN++;
          }
          scheduleSweep();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sweep?.unsubscribe();
          for (const pass of open.values()) close(pass);
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        sweep?.unsubscribe();
        for (const pass of open.values()) openPasses?.closed(pass.epc, pass.portal.id);
        open.clear();
        byPortal.clear();
      };
    });
}

function toPass(pass: OpenPass, config: DetectPassesConfig): TagPass {
  // Positive: the inner antenna saw the tag later than the outer one, i.e. it came in.
  const innerLaterMs =
    pass.outerN > 0 && pass.innerN > 0 ? pass.innerSumMs / pass.innerN - pass.outerSumMs / pass.outerN : 0;
  const fromAntennas = Math.abs(innerLaterMs) >= config.minDirectionGapMs;
  const direction = fromAntennas ? (innerLaterMs > 0 ? "inbound" : "outbound") : pass.portal.direction;
  return {
    portalId: pass.portal.id,
    epc: pass.epc,
    firstAt: pass.firstAt,
    lastAt: pass.lastAt,
    reads: pass.reads,
    maxRssi: pass.maxRssi,
    direction,
    directionFrom: fromAntennas ? "antennas" : "door",
    // In the field too long by the edge's clock, or by the reader's: a journal replay delivers a parked
    // tag's reads all at once, but their device times still span the time it stood there.
    stationary:
      pass.lastSeenMs - pass.openedMs > config.stationaryMs ||
      pass.lastAtMs - Date.parse(pass.firstAt) > config.stationaryMs,
    observationIds: pass.observationIds,
  };
}
