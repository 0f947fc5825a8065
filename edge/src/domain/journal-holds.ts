import type { SiteLayout } from "@tally/protocols";
import type { Observation } from "./observation.js";

/**
 * The longest time any portal of the site takes to call a tag parked (its
 * own `presence.stationaryMs`, else the edge's): the journal must keep that
 * much context, or a replay could not tell a parked tag from a crossing.
 */
export function longestStationaryMs(site: SiteLayout, edgeDefaultMs: number): number {
  const portals = site.devices.flatMap((d) => (d.kind === "rfid-portal" ? [d] : []));
  if (portals.length === 0) return edgeDefaultMs;
  return Math.max(...portals.map((p) => p.presence?.stationaryMs ?? edgeDefaultMs));
}

export interface JournalHoldsConfig {
  /**
   * How long after its last input a run (a tag at a portal, a shelf's weight)
   * may still be held by the pipelines: pass silence, cross-read hold-off,
   * settling, ms.
   */
  settleMs: number;
  /**
   * A run longer than this is a parked tag: its pass makes no movement, so it
   * stops holding the checkpoint back (a replay sees enough of it again to
   * know it is parked), ms.
   */
  stationaryMs: number;
  /**
   * Locations of smart-shelf bins: a PICK or PUTAWAY scan there waits in the fusion stage for the bin's change,
   * so it is held like a weight. None: every scan is done at once.
   */
  shelfBins?: ReadonlySet<string>;
}

/** The bins of the site's shelves, whose PICK and PUTAWAY scans the fusion stage holds. */
export function shelfBinLocations(site: SiteLayout): Set<string> {
  return new Set(site.devices.flatMap((d) => (d.kind === "shelf" ? d.bins.map((b) => b.location) : [])));
}

interface Run {
  firstSeq: number;
  startedMs: number;
  lastMs: number;
}

/**
 * Which journalled messages the pipelines may still be holding. Reads keep a
 * pass open and weights wait to settle, so their messages are not done when
 * they are decoded, and a PICK or PUTAWAY scan at a shelf bin waits for
 * the bin's change (fusion); everything else turns into events at once. The
 * checkpoint is the seq before the oldest message still held (or the last
 * one seen when none is). Conservative by time: a run counts as held until
 * `settleMs` after its last input, which is longer than any pipeline holds it.
 *
 * Runs are kept per device, then per tag (its EPC) or bin: a message's
 * device is looked up once, and a read's run by the EPC string it already
 * has, with no key made per read.
 */
export class JournalHolds {
  /** Device id → tag EPC, or a bin's `weight`/`scan` key → its run. */
  readonly #runs = new Map<string, Map<string, Run>>();
  #size = 0;
  #lastSeq = 0;

  constructor(private readonly config: JournalHoldsConfig) {}

  /** One observation of the message `seq`. */
  observe(seq: number, observation: Observation, nowMs: number): void {
    this.observeAll(seq, [observation], nowMs);
  }

  /** Every observation one device message decoded into (one device's, as a message's always are). */
  observeAll(seq: number, observations: readonly Observation[], nowMs: number): void {
    if (seq > this.#lastSeq) this.#lastSeq = seq;
    let deviceRuns: Map<string, Run> | undefined;
    let deviceId: string | undefined;
    for (const observation of observations) {
      const key = this.#runKey(observation);
      if (key === undefined) continue;
      if (deviceRuns === undefined || observation.deviceId !== deviceId) {
        deviceId = observation.deviceId;
        deviceRuns = this.#deviceRuns(deviceId);
      }
      const run = deviceRuns.get(key);
      if (run === undefined) {
        deviceRuns.set(key, { firstSeq: seq, startedMs: nowMs, lastMs: nowMs });
        this.#size++;
      } else if (nowMs - run.lastMs > this.config.settleMs) {
        run.firstSeq = seq;
        run.startedMs = nowMs;
        run.lastMs = nowMs;
      } else {
        run.lastMs = nowMs;
      }
    }
  }

  /** The run an observation belongs to within its device, or none when its message is done at once. */
  #runKey(observation: Observation): string | undefined {
    if (observation.type === "tag-read") return observation.epc;
    // EPCs are hex: a bin's key, with its NUL, can never be one.
    if (observation.type === "weight") return `weight\u0000${observation.location}`;
    if (
      observation.type === "scan" &&
      (observation.action === "PICK" || observation.action === "PUTAWAY") &&
      this.config.shelfBins?.has(observation.location) === true
    )
      return `scan\u0000${observation.location}`;
    return undefined;
  }

  #deviceRuns(deviceId: string): Map<string, Run> {
    let runs = this.#runs.get(deviceId);
    if (runs === undefined) {
      runs = new Map();
      this.#runs.set(deviceId, runs);
    }
    return runs;
  }

  /** Messages with seq ≤ the answer are done with; forgets runs that are over. */
  watermark(nowMs: number): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const [deviceId, deviceRuns] of this.#runs) {
      for (const [key, run] of deviceRuns) {
        const over = nowMs - run.lastMs > this.config.settleMs;
        const parked = run.lastMs - run.startedMs > this.config.stationaryMs + this.config.settleMs;
        if (over || parked) {
          if (over) {
            deviceRuns.delete(key);
            this.#size--;
          }
          continue;
        }
        if (run.firstSeq < oldest) oldest = run.firstSeq;
      }
      if (deviceRuns.size === 0) this.#runs.delete(deviceId);
    }
    return oldest === Number.POSITIVE_INFINITY ? this.#lastSeq : Math.min(this.#lastSeq, oldest - 1);
  }

  /** Runs tracked (bounded by the tags and shelves active within `settleMs`). */
  size(): number {
    return this.#size;
  }
}
