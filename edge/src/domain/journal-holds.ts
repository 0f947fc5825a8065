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
 */
export class JournalHolds {
  readonly #runs = new Map<string, Run>();
  #lastSeq = 0;

  constructor(private readonly config: JournalHoldsConfig) {}

  observe(seq: number, observation: Observation, nowMs: number): void {
    if (seq > this.#lastSeq) this.#lastSeq = seq;
    let key: string;
    if (observation.type === "tag-read") key = `${observation.deviceId}\u0000${observation.epc}`;
    else if (observation.type === "weight") key = `${observation.deviceId}\u0000${observation.location}`;
    else if (
      observation.type === "scan" &&
      (observation.action === "PICK" || observation.action === "PUTAWAY") &&
      this.config.shelfBins?.has(observation.location) === true
    )
      key = `${observation.deviceId}\u0000scan\u0000${observation.location}`;
    else return;
    const run = this.#runs.get(key);
    if (run === undefined || nowMs - run.lastMs > this.config.settleMs) {
      this.#runs.set(key, { firstSeq: seq, startedMs: nowMs, lastMs: nowMs });
    } else {
      run.lastMs = nowMs;
    }
  }

  /** Messages with seq ≤ the answer are done with; forgets runs that are over. */
  watermark(nowMs: number): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const [key, run] of this.#runs) {
      const over = nowMs - run.lastMs > this.config.settleMs;
      const parked = run.lastMs - run.startedMs > this.config.stationaryMs + this.config.settleMs;
      if (over || parked) {
        if (over) this.#runs.delete(key);
        continue;
      }
      if (run.firstSeq < oldest) oldest = run.firstSeq;
    }
    return oldest === Number.POSITIVE_INFINITY ? this.#lastSeq : Math.min(this.#lastSeq, oldest - 1);
  }

  /** Runs tracked (bounded by the tags and shelves active within `settleMs`). */
  size(): number {
    return this.#runs.size;
  }
}
