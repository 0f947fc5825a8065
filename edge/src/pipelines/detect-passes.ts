import { canonicalTimestampMs, type RfidPortalDevice } from "@tally/protocols";
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from "rxjs";
import type { TagReadObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import {
  type BurstRead,
  type Direction,
  type Evidence,
  type EvidenceKind,
  oneAntennaEvidence,
  twoSidedEvidence,
} from "./crossing-evidence.js";
import { OpenPasses } from "./open-passes.js";
import {
  DEFAULT_PASS_CONFIG,
  DEFAULT_PRESENCE_TIMEOUT_MS,
  type DetectPassesConfig,
  type PassSettings,
  passSettingsFor,
} from "./pass-config.js";
import type { ParkedTagStore } from "./tag-memory.js";

export { DEFAULT_PASS_CONFIG, DEFAULT_PRESENCE_TIMEOUT_MS, type DetectPassesConfig, OpenPasses };

/**
 * What one burst of reads of a tag at a portal amounts to:
 * - `crossing`: the tag went through the door (a movement);
 * - `candidate`: it may have, but its own reads do not prove it: it moves
 *   only with tags that clearly crossed with it (`groupCrossings`), else it
 *   is an approach that turned back (one side only) or an unconfirmed pass.
 * Tags standing in the field (lingering, parked) make no pass at all.
 */
export interface TagPass {
  portalId: string;
  /** EPC, upper-case hex. */
  epc: string;
  /** Device times of the first and last read judged, ISO 8601. */
  firstAt: string;
  lastAt: string;
  reads: number;
  /** Strongest read judged, dBm. */
  maxRssi: number;
  verdict: "crossing" | "candidate" | "unconfirmed";
  /** What the reads showed (`crossing-evidence`). */
  evidence: EvidenceKind;
  /** The way it went: for a crossing, and for a candidate whose reads were in order. */
  direction?: Direction;
  /** `antennas`: the order of the two sides; `signal`: a one-antenna door's rise and fall; `group`: tags that crossed with it. */
  directionFrom?: "antennas" | "signal" | "group";
  /** When it went through, ISO 8601: the movement's time. */
  crossingAt?: string;
  /** Read on one side only: which. */
  side?: "outer" | "inner";
  /**
   * When the edge received the reads judged (ms since the epoch), when the
   * reader said: the edge's own clock, to compare doors whose reader clocks
   * disagree.
   */
  receivedFromMs?: number;
  receivedToMs?: number;
  /** It stood in the field (parked, or lingering) before it left through the door. */
  departed?: boolean;
  /** The first read of its presence at the portal was this burst's (not a tag that stood there). */
  fresh: boolean;
  /** The first few read observations, as evidence. */
  observationIds: string[];
}

/** Reads kept per burst (a tag standing in a fast reader's field makes many); older ones only leave their strength. */
const MAX_BURST_READS = 256;
const MAX_EVIDENCE = 5;
/** A parked tag's row in the durable memory is refreshed at most this often (device time), ms. */
const PARK_REFRESH_MS = 10_000;

interface Burst {
  reads: BurstRead[];
  /** Strongest of the reads dropped to keep `reads` bounded. */
  droppedMaxRssi: number;
  firstAtMs: number;
  lastAtMs: number;
  lastSeenMs: number;
}

interface Presence {
  portal: RfidPortalDevice;
  epc: string;
  /** Device time of its first read, ms. */
  sinceMs: number;
  lastAtMs: number;
  /** Scheduler time it began, and of its latest read. */
  openedMs: number;
  lastSeenMs: number;
  /** Strongest read while it stood (every read not part of a pass), dBm; −∞ before any. */
  dwellMaxRssi: number;
  /** No burst of it has been judged yet. */
  fresh: boolean;
  parked: boolean;
  parkedSavedAtMs: number;
  burst?: Burst;
  /**
   * Its first burst was in order but with a single read on a side: a
   * crossing if the tag then leaves the field (its presence ends with no
   * further read), a tag standing there if it is read again.
   */
  pendingWeak?: TagPass;
}

/**
 * Tag reads → passes, per portal and tag. A tag's *presence* at a portal
 * lasts from its first read until `presenceTimeoutMs` without one (a parked
 * tag's until the stationary limit), across any number of gaps. Its reads
 * come in bursts (a burst ends after `silenceMs` without a read); each burst
 * is judged when it ends, by the evidence of crossing its reads hold
 * (`crossing-evidence`):
 * - the presence's first burst, if short, is judged on all its reads;
 * - a later burst, or a long one (a tag standing in the field), only on its
 *   last reads that are clearly stronger than any while the tag stood: a
 *   lingering or parked tag moves nothing until it clearly leaves, however
 *   sparsely it is read.
 * A first burst in order with a single read on a side crosses once the
 * tag leaves the field (its presence ends unread since); read again, it
 * was standing there. Reads weaker than the portal's `minRssi` are ignored. Silence is measured
 * on the scheduler (virtual time in tests) and in device time. `openPasses`
 * is kept up to date with the open bursts; `parkedTags` remembers parked
 * tags across restarts.
 */
export function detectPasses(
  site: SiteIndex,
  config: DetectPassesConfig = DEFAULT_PASS_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
  openPasses?: OpenPasses,
  parkedTags?: ParkedTagStore,
): OperatorFunction<TagReadObservation, TagPass> {
  return (reads$) =>
    new Observable<TagPass>((subscriber) => {
      /**
       * Presences in the order they began (the oldest is dropped first when full); found by portal and
       * EPC through `byPortal`, so no key string is made per presence.
       */
      const presences = new Set<Presence>();
      const byPortal = new Map<string, Map<string, Presence>>();
      const settings = new Map<string, PassSettings>();
      const settingsOf = (portal: RfidPortalDevice): PassSettings => {
        let s = settings.get(portal.id);
        if (s === undefined) {
          s = passSettingsFor(portal, config);
          settings.set(portal.id, s);
        }
        return s;
      };
      let sweep: Subscription | undefined;
      const sweepEveryMs = Math.max(10, Math.floor(config.silenceMs / 4));

      const atPortal = (portalId: string): Map<string, Presence> => {
        let map = byPortal.get(portalId);
        if (map === undefined) {
          map = new Map();
          byPortal.set(portalId, map);
        }
        return map;
      };
      const closeBurst = (p: Presence) => {
        const burst = p.burst;
        if (burst === undefined) return;
        p.burst = undefined;
        openPasses?.closed(p.epc, p.portal.id);
        const pass = judge(p, burst, settingsOf(p.portal));
        if (pass !== undefined) subscriber.next(pass);
      };
      const confirmWeak = (p: Presence) => {
        const pending = p.pendingWeak;
        if (pending === undefined) return;
        p.pendingWeak = undefined;
        subscriber.next({ ...pending, verdict: "crossing", directionFrom: "antennas" });
      };
      const end = (p: Presence) => {
        closeBurst(p);
        confirmWeak(p);
        presences.delete(p);
        byPortal.get(p.portal.id)?.delete(p.epc);
        if (p.parked) parkedTags?.unpark(p.portal.id, p.epc);
      };
      const markParked = (p: Presence, atMs: number) => {
        if (!p.parked) {
          p.parked = true;
          p.parkedSavedAtMs = Number.NEGATIVE_INFINITY;
        }
        if (atMs - p.parkedSavedAtMs < PARK_REFRESH_MS) return;
        p.parkedSavedAtMs = atMs;
        // Its reads so far, the open burst's too, are it standing there.
        let dwell = p.dwellMaxRssi;
        if (p.burst !== undefined) {
          dwell = Math.max(dwell, p.burst.droppedMaxRssi);
          for (const r of p.burst.reads) if (r.rssi > dwell) dwell = r.rssi;
        }
        parkedTags?.park({
          portalId: p.portal.id,
          epc: p.epc,
          sinceMs: p.sinceMs,
          lastAtMs: p.lastAtMs,
          dwellMaxRssi: Number.isFinite(dwell) ? dwell : -120,
        });
      };
      const presenceOver = (p: Presence, idleMs: number, s: PassSettings) =>
        idleMs > (p.parked ? Math.max(s.stationaryMs, s.presenceTimeoutMs) : s.presenceTimeoutMs);

      /** A burst's reads → a pass, or nothing (noise, or a tag standing in the field). */
      const judge = (p: Presence, burst: Burst, s: PassSettings): TagPass | undefined => {
        const fresh = p.fresh;
        p.fresh = false;
        if (burst.reads.length === 0) return undefined;
        const long = burst.lastAtMs - burst.firstAtMs > s.maxPassMs;
        const standing = p.parked || long || !fresh;
        let judged: BurstRead[] = burst.reads;
        if (standing) {
          // Only its leaving counts: its last reads, clearly stronger than any while it stood.
          const windowStart = burst.lastAtMs - s.departureWindowMs;
          let dwell = Math.max(p.dwellMaxRssi, burst.droppedMaxRssi);
          for (const r of burst.reads) if (r.atMs < windowStart && r.rssi > dwell) dwell = r.rssi;
          judged = burst.reads.filter((r) => r.atMs >= windowStart && r.rssi >= dwell + s.marginDb);
        }
        const evidence: Evidence =
          p.portal.evidence !== "one-antenna"
            ? twoSidedEvidence(judged, s.rules)
            : standing
              ? leavingPastOneAntenna(judged, s, p.portal.direction)
              : oneAntennaEvidence(judged, s.rules, s.riseDb, p.portal.direction);
        if (evidence.kind === "none" || judged.length < s.rules.minReads) {
          // Nothing that looks like a pass: all of it was the tag standing there.
          foldDwell(p, burst);
          return undefined;
        }
        const crossing = evidence.kind === "crossing" || evidence.kind === "signal";
        if (crossing && p.parked) {
          // It left: forget it was parked here (the presence goes on only if it is read again).
          p.parked = false;
          parkedTags?.unpark(p.portal.id, p.epc);
        }
        // An approach that turned back, or reads that prove nothing, set the bar a later crossing
        // must clear: without it a tag standing in the field and read now and then, in a chance order,
        // would cross. (Gone longer than the presence timeout, it starts afresh.)
        if (!crossing) foldDwell(p, burst);
        const pass = toPass(p, judged, evidence, fresh && !long, standing);
        if (evidence.kind === "weak-crossing" && fresh && !long) p.pendingWeak = pass;
        return pass;
      };

      const scheduleSweep = () => {
        if (sweep !== undefined || presences.size === 0) return;
        sweep = scheduler.schedule(() => {
          sweep = undefined;
          const now = scheduler.now();
          for (const p of presences) {
            const s = settingsOf(p.portal);
            const idle = now - p.lastSeenMs;
            if (p.burst !== undefined && idle >= s.silenceMs) closeBurst(p);
            if (presenceOver(p, idle, s)) end(p);
          }
          scheduleSweep();
        }, sweepEveryMs);
      };

      // Tags parked here before a restart: a presence that goes on is parked from its first read.
      if (parkedTags !== undefined) {
        const now = scheduler.now();
        for (const tag of parkedTags.loadParked()) {
          const portal = site.device(tag.portalId);
          if (portal?.kind !== "rfid-portal") continue;
          const p: Presence = {
            portal,
            epc: tag.epc,
            sinceMs: tag.sinceMs,
            lastAtMs: tag.lastAtMs,
            openedMs: now,
            lastSeenMs: now,
            dwellMaxRssi: tag.dwellMaxRssi,
            fresh: false,
            parked: true,
            parkedSavedAtMs: tag.lastAtMs,
          };
          const here = atPortal(portal.id);
          const before = here.get(p.epc);
          if (before !== undefined) presences.delete(before);
          presences.add(p);
          here.set(p.epc, p);
        }
        scheduleSweep();
      }

      // A message's reads come one after another from one reader: its portal, settings and presences are
      // looked up once for the run of reads (none of the three changes while the operator runs).
      let lastDeviceId: string | undefined;
      let lastPortal: RfidPortalDevice | undefined;
      let lastSettings: PassSettings | undefined;
      let lastHere: Map<string, Presence> | undefined;
      const subscription = reads$.subscribe({
        next: (read) => {
          if (read.deviceId !== lastDeviceId) {
            const device = site.device(read.deviceId);
            lastDeviceId = read.deviceId;
            lastPortal = device?.kind === "rfid-portal" ? device : undefined;
            lastSettings = lastPortal === undefined ? undefined : settingsOf(lastPortal);
            lastHere = lastPortal === undefined ? undefined : atPortal(lastPortal.id);
          }
          const portal = lastPortal;
          const s = lastSettings;
          const here = lastHere;
          if (portal === undefined || s === undefined || here === undefined || read.rssi < portal.filter.minRssi)
            return;
          const now = scheduler.now();
          // Device times come normalised (canonical UTC) from decoding: read without Date.
          const atMs = read.atMs ?? canonicalTimestampMs(read.at) ?? Date.parse(read.at);
          let p = here.get(read.epc);
          // A gap in device time ends the presence too, even when the reads arrive together (a replay).
          if (p !== undefined && presenceOver(p, atMs - p.lastAtMs, s)) {
            end(p);
            p = undefined;
          }
          if (p === undefined) {
            if (presences.size >= config.maxOpenPasses) {
              const oldest = presences.values().next();
              if (!oldest.done) end(oldest.value);
            }
            p = {
              portal,
              epc: read.epc,
              sinceMs: atMs,
              lastAtMs: atMs,
              openedMs: now,
              lastSeenMs: now,
              dwellMaxRssi: Number.NEGATIVE_INFINITY,
              fresh: true,
              parked: false,
              parkedSavedAtMs: Number.NEGATIVE_INFINITY,
            };
            presences.add(p);
            here.set(read.epc, p);
          }
          if (p.burst !== undefined && atMs - p.burst.lastAtMs > s.silenceMs) closeBurst(p);
          let burst = p.burst;
          if (burst === undefined) {
            // Read again: it did not leave the field after its first burst.
            p.pendingWeak = undefined;
            burst = {
              reads: [],
              droppedMaxRssi: Number.NEGATIVE_INFINITY,
              firstAtMs: atMs,
              lastAtMs: atMs,
              lastSeenMs: now,
            };
            p.burst = burst;
            openPasses?.opened(p.epc, portal.id);
          }
          const side = portal.antennas.outer.includes(read.antenna)
            ? 1
            : portal.antennas.inner.includes(read.antenna)
              ? -1
              : 0;
          // A canonical text is made again from its number for the pass's first and last read only.
          const at = canonicalTimestampMs(read.at) === atMs ? undefined : read.at;
          burst.reads.push({ atMs, at, rssi: read.rssi, side, id: read.id, receivedAtMs: read.receivedAtMs });
          if (burst.reads.length > MAX_BURST_READS) {
            const dropped = burst.reads.shift();
            if (dropped !== undefined && dropped.rssi > burst.droppedMaxRssi) burst.droppedMaxRssi = dropped.rssi;
          }
          if (atMs < burst.firstAtMs) burst.firstAtMs = atMs;
          if (atMs > burst.lastAtMs) burst.lastAtMs = atMs;
          burst.lastSeenMs = now;
          p.lastSeenMs = now;
          if (atMs < p.sinceMs) p.sinceMs = atMs;
          if (atMs > p.lastAtMs) p.lastAtMs = atMs;
          // Present too long, by the reader's clock or the edge's (a replay delivers a parked tag's
          // reads at once, but their device times still span the time it stood there).
          if (p.parked || p.lastAtMs - p.sinceMs > s.stationaryMs || now - p.openedMs > s.stationaryMs) {
            markParked(p, atMs);
          }
          scheduleSweep();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sweep?.unsubscribe();
          for (const p of [...presences]) {
            closeBurst(p);
            confirmWeak(p);
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        sweep?.unsubscribe();
        for (const p of presences) if (p.burst !== undefined) openPasses?.closed(p.epc, p.portal.id);
        presences.clear();
        byPortal.clear();
      };
    });
}

/**
 * A tag that stood at a one-antenna door leaves past the antenna: its reads
 * that clear the standing bar (`judged`) are enough, in the door's way, at
 * their strongest; the rise is from where it stood.
 */
function leavingPastOneAntenna(judged: readonly BurstRead[], s: PassSettings, direction: Direction): Evidence {
  if (judged.length < s.rules.minReads) return { kind: "none" };
  let peak = judged[0] as BurstRead;
  for (const r of judged) if (r.rssi > peak.rssi) peak = r;
  return { kind: "signal", direction, crossingAtMs: peak.atMs };
}

/** The burst was the tag standing in the field: its strength is the bar its leaving must clear. */
function foldDwell(p: Presence, burst: Burst): void {
  let max = Math.max(p.dwellMaxRssi, burst.droppedMaxRssi);
  for (const r of burst.reads) if (r.rssi > max) max = r.rssi;
  p.dwellMaxRssi = max;
}

function toPass(
  p: Presence,
  judged: readonly BurstRead[],
  evidence: Evidence,
  fresh: boolean,
  standing: boolean,
): TagPass {
  let first = judged[0] as BurstRead;
  let last = first;
  let maxRssi = first.rssi;
  for (const r of judged) {
    if (r.atMs < first.atMs) first = r;
    if (r.atMs > last.atMs) last = r;
    if (r.rssi > maxRssi) maxRssi = r.rssi;
  }
  const crossing = evidence.kind === "crossing" || evidence.kind === "signal";
  let receivedFromMs = Number.POSITIVE_INFINITY;
  let receivedToMs = Number.NEGATIVE_INFINITY;
  for (const r of judged) {
    if (r.receivedAtMs === undefined) continue;
    if (r.receivedAtMs < receivedFromMs) receivedFromMs = r.receivedAtMs;
    if (r.receivedAtMs > receivedToMs) receivedToMs = r.receivedAtMs;
  }
  return {
    portalId: p.portal.id,
    epc: p.epc,
    firstAt: first.at ?? new Date(first.atMs).toISOString(),
    lastAt: last.at ?? new Date(last.atMs).toISOString(),
    reads: judged.length,
    maxRssi,
    verdict: crossing ? "crossing" : "candidate",
    evidence: evidence.kind,
    ...(evidence.direction !== undefined && { direction: evidence.direction }),
    ...(crossing && { directionFrom: evidence.kind === "signal" ? ("signal" as const) : ("antennas" as const) }),
    ...(evidence.crossingAtMs !== undefined && { crossingAt: new Date(evidence.crossingAtMs).toISOString() }),
    ...(evidence.side !== undefined && { side: evidence.side }),
    ...(Number.isFinite(receivedFromMs) && { receivedFromMs, receivedToMs }),
    ...(standing && { departed: true }),
    fresh,
    observationIds: judged.slice(0, MAX_EVIDENCE).map((r) => r.id),
  };
}
