import { canonicalTimestampMs, type RfidPortalDevice } from "@tally/protocols";
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from "rxjs";
import type { TagReadObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import { BoundedLru } from "./bounded-lru.js";

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
  /**
   * The tag stood in the field, then left through the portal: the pass is
   * its leaving only (its last reads, stronger than any while it stood).
   */
  departed?: boolean;
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
  /**
   * A parked tag's last reads within this long of its last one, if clearly
   * stronger than any while it stood and in antenna order, are it leaving
   * through the portal, ms. Default 5000.
   */
  departureWindowMs?: number;
  /** How much stronger than while it stood the leaving reads must be, dB. Default 6. */
  departureMarginDb?: number;
}

// 2.5 s: a dock door reading each tag only a few times a pass, and missing some, leaves gaps of over a
// second inside one pass; a shorter silence cuts such a pass into fragments below `minReads` (decision 0013).
export const DEFAULT_PASS_CONFIG: DetectPassesConfig = {
  silenceMs: 2500,
  stationaryMs: 60_000,
  maxOpenPasses: 100_000,
  minDirectionGapMs: 100,
};

/** A read of a parked tag, kept while it may be part of its leaving. */
interface TailRead {
  atMs: number;
  at: string;
  rssi: number;
  /** 1: an outer antenna; -1: an inner one; 0: neither. */
  side: number;
  id: string;
}

/** Most recent reads kept per parked tag. */
const MAX_TAIL = 256;
const DEFAULT_DEPARTURE_WINDOW_MS = 5000;
const DEFAULT_DEPARTURE_MARGIN_DB = 6;

interface OpenPass {
  /** `portal|epc`: the pass's key in the map of open passes. */
  key: string;
  portal: RfidPortalDevice;
  epc: string;
  firstAt: string;
  firstAtMs: number;
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
  /** Set once the tag has been in the field past the stationary limit, or from the start if it was parked here just before. */
  parked?: {
    /** Strongest read while it stood (every read before the tail). */
    dwellMaxRssi: number;
    /** Its latest reads, oldest first, within the departure window of its last one. */
    tail: TailRead[];
    /** Parked here before this pass opened: a pass cut from a parked tag's by a gap in its reads. */
    before: boolean;
  };
}

/** A tag found parked at a portal, remembered after its pass closed. */
interface ParkedMemory {
  lastAtMs: number;
  dwellMaxRssi: number;
}

/** Most tags remembered as parked (all portals). */
const MAX_PARKED_MEMORY = 20_000;

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
      const departureWindowMs = config.departureWindowMs ?? DEFAULT_DEPARTURE_WINDOW_MS;

      /** Tags parked at a portal whose pass closed (a gap in their reads): a pass that soon follows is theirs too. */
      const parkedBefore = new BoundedLru<string, ParkedMemory>(MAX_PARKED_MEMORY);
      const close = (pass: OpenPass) => {
        open.delete(pass.key);
        byPortal.get(pass.portal.id)?.delete(pass.epc);
        openPasses?.closed(pass.epc, pass.portal.id);
        if (pass.reads < pass.portal.filter.minReads) {
          if (pass.parked !== undefined) rememberParked(pass, pass.parked);
          return;
        }
        const out = toPass(pass, config);
        if (out.departed === true) parkedBefore.delete(pass.key);
        else if (pass.parked !== undefined) rememberParked(pass, pass.parked);
        subscriber.next(out);
      };
      const rememberParked = (pass: OpenPass, parked: NonNullable<OpenPass["parked"]>) => {
        let dwellMaxRssi = parked.dwellMaxRssi;
        for (const r of parked.tail) if (r.rssi > dwellMaxRssi) dwellMaxRssi = r.rssi;
        parkedBefore.set(pass.key, { lastAtMs: pass.lastAtMs, dwellMaxRssi });
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
              firstAtMs: atMs,
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
            const memory = parkedBefore.get(pass.key);
            if (memory !== undefined && atMs - memory.lastAtMs <= config.stationaryMs) {
              pass.parked = { dwellMaxRssi: memory.dwellMaxRssi, tail: [], before: true };
            }
            open.set(pass.key, pass);
            atPortal.set(read.epc, pass);
            openPasses?.opened(read.epc, portal.id);
          }
          pass.reads++;
          pass.lastSeenMs = now;
          if (atMs < pass.firstAtMs) {
            pass.firstAt = read.at;
            pass.firstAtMs = atMs;
          }
          if (atMs > pass.lastAtMs) {
            pass.lastAt = read.at;
            pass.lastAtMs = atMs;
          }
          const side = portal.antennas.outer.includes(read.antenna)
            ? 1
            : portal.antennas.inner.includes(read.antenna)
              ? -1
              : 0;
          if (pass.parked !== undefined) {
            const { tail } = pass.parked;
            tail.push({ atMs, at: read.at, rssi: read.rssi, side, id: read.id });
            const windowStart = pass.lastAtMs - departureWindowMs;
            while (tail.length > 0 && ((tail[0]?.atMs ?? 0) < windowStart || tail.length > MAX_TAIL)) {
              const old = tail.shift();
              if (old !== undefined && old.rssi > pass.parked.dwellMaxRssi) pass.parked.dwellMaxRssi = old.rssi;
            }
          } else if (isStationary(pass, config)) {
            // From here on its reads are kept for a while: the last of them may be it leaving.
            pass.parked = { dwellMaxRssi: pass.maxRssi, tail: [], before: false };
          }
          if (read.rssi > pass.maxRssi) pass.maxRssi = read.rssi;
          if (pass.observationIds.length < MAX_EVIDENCE) pass.observationIds.push(read.id);
          if (side === 1) {
            pass.outerSumMs += atMs;
            pass.outerN++;
          } else if (side === -1) {
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

/** In the field too long by the edge's clock, or by the reader's (a journal replay delivers a parked
 * tag's reads all at once, but their device times still span the time it stood there). */
function isStationary(pass: OpenPass, config: DetectPassesConfig): boolean {
  return (
    pass.parked?.before === true ||
    pass.lastSeenMs - pass.openedMs > config.stationaryMs ||
    pass.lastAtMs - pass.firstAtMs > config.stationaryMs
  );
}

/** Direction from the mean read time on each side: positive when the inner antenna saw the tag later. */
function directionOf(
  outerSumMs: number,
  outerN: number,
  innerSumMs: number,
  innerN: number,
  minGapMs: number,
): "inbound" | "outbound" | undefined {
  if (outerN === 0 || innerN === 0) return undefined;
  const innerLaterMs = innerSumMs / innerN - outerSumMs / outerN;
  if (Math.abs(innerLaterMs) < minGapMs) return undefined;
  return innerLaterMs > 0 ? "inbound" : "outbound";
}

/**
 * A parked tag's leaving: its reads in the departure window, those clearly
 * stronger than any while it stood, if there are enough of them and the
 * antennas saw them in order. Undefined when it did not leave that way.
 */
function departureOf(pass: OpenPass, config: DetectPassesConfig): TagPass | undefined {
  const parked = pass.parked;
  if (parked === undefined) return undefined;
  const margin = config.departureMarginDb ?? DEFAULT_DEPARTURE_MARGIN_DB;
  const windowStart = pass.lastAtMs - (config.departureWindowMs ?? DEFAULT_DEPARTURE_WINDOW_MS);
  const strong = parked.tail.filter((r) => r.atMs >= windowStart && r.rssi >= parked.dwellMaxRssi + margin);
  if (strong.length < pass.portal.filter.minReads) return undefined;
  let outerSumMs = 0;
  let outerN = 0;
  let innerSumMs = 0;
  let innerN = 0;
  let first = strong[0] as TailRead;
  let last = first;
  let maxRssi = first.rssi;
  for (const r of strong) {
    if (r.side === 1) {
      outerSumMs += r.atMs;
      outerN++;
    } else if (r.side === -1) {
      innerSumMs += r.atMs;
      innerN++;
    }
    if (r.atMs < first.atMs) first = r;
    if (r.atMs > last.atMs) last = r;
    if (r.rssi > maxRssi) maxRssi = r.rssi;
  }
  const direction = directionOf(outerSumMs, outerN, innerSumMs, innerN, config.minDirectionGapMs);
  if (direction === undefined) return undefined;
  return {
    portalId: pass.portal.id,
    epc: pass.epc,
    firstAt: first.at,
    lastAt: last.at,
    reads: strong.length,
    maxRssi,
    direction,
    directionFrom: "antennas",
    stationary: false,
    departed: true,
    observationIds: strong.slice(0, MAX_EVIDENCE).map((r) => r.id),
  };
}

function toPass(pass: OpenPass, config: DetectPassesConfig): TagPass {
  const stationary = isStationary(pass, config);
  if (stationary) {
    const departure = departureOf(pass, config);
    if (departure !== undefined) return departure;
  }
  const fromAntennas = directionOf(
    pass.outerSumMs,
    pass.outerN,
    pass.innerSumMs,
    pass.innerN,
    config.minDirectionGapMs,
  );
  return {
    portalId: pass.portal.id,
    epc: pass.epc,
    firstAt: pass.firstAt,
    lastAt: pass.lastAt,
    reads: pass.reads,
    maxRssi: pass.maxRssi,
    direction: fromAntennas ?? pass.portal.direction,
    directionFrom: fromAntennas !== undefined ? "antennas" : "door",
    stationary,
    observationIds: pass.observationIds,
  };
}
