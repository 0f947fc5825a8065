import { weightToUnits } from "./weight-to-units.js";

/** How one weighed bin is read; times in ms of the edge's clock (the pipeline's scheduler). */
export interface BinScaleSettings {
  /** Weight of one unit of the bin's item, g. */
  unitWeightG: number;
  /** Band a settling reading must stay in, and how far a settled change may stray from whole units, g. */
  toleranceG: number;
  /** The empty bin's reading, g. */
  tareG: number;
  /** Readings above this are out of range, g; none: not checked. */
  capacityG: number | undefined;
  /** How long a reading must stay within the band to count, ms. */
  settleMs: number;
  /** How long the shelf's count may disagree with the ledger's before it is reported, ms. */
  graceMs: number;
  /** Exactly repeated readings over this long make the cell stuck, ms; 0: not checked. */
  stuckAfterMs: number;
  /** Whether a rise of whole units is a movement of the shelf's own (a PUTAWAY), as a drop always is. */
  risesMove: boolean;
}

/** Ways a load cell shows it cannot be trusted. */
export type LoadCellFault = "stuck" | "out-of-range" | "negative";

/** What a bin's readings amount to. `units` is signed: negative = taken off the bin. */
export type BinOutcome =
  | { kind: "moved"; units: number; observationIds: [string, string]; at: string }
  | {
      kind: "not-whole";
      deltaG: number;
      units: number;
      remainderG: number;
      observationIds: [string, string];
      at: string;
    }
  | { kind: "mismatch"; shelfUnits: number; expectedUnits: number; observationIds: [string]; at: string }
  | { kind: "fault"; fault: LoadCellFault; state: "raised" | "cleared"; valueG: number; limitG: number; at: string };

/** Fewest identical readings in a row that can make a cell stuck, however long they span. */
export const STUCK_MIN_REPEATS = 5;
/**
 * How many of a run's latest readings its settled value is the median of:
 * enough to see past noise, few enough to keep a bin's state small however
 * long a run lasts.
 */
const RECENT_READINGS = 32;

/** A movement carries at most this many units (the ledger's limit); a bigger change is not read as units. */
export const MAX_MOVEMENT_UNITS = 1_000_000;

interface Run {
  startMs: number;
  minG: number;
  maxG: number;
  /** The run's latest readings (at most `RECENT_READINGS`), for its median. */
  recentG: number[];
  lastId: string;
  settled: boolean;
}

interface Repeat {
  valueG: number;
  sinceMs: number;
  repeats: number;
}

/**
 * One smart-shelf bin, read as units. Pure state, driven by readings, the
 * ledger's expected units and clock ticks (`nextDueMs` says when a tick is
 * needed), so that it runs the same in virtual time.
 *
 * Settling: a reading counts once every reading since the current run began
 * stays within `toleranceG` of each other (max − min) for `settleMs`; the
 * settled value is the median of the run's latest readings (a load cell's
 * swing dying down around the new weight pulls a mean off it, not a median). Noise inside the band settles however long
 * it goes on; a reading outside the band starts a new run, so a ramp steeper
 * than the band per `settleMs` never settles.
 *
 * Counting: a settled change from the reference is read with `weightToUnits`.
 * Whole units move the reference by exactly those units' weight, and what
 * the movement leaves over is taken in only as drift is (below); a change
 * that is not whole units is reported and becomes the new reference.
 *
 * Zero drift: a settled change within the tolerance (no units), or a reading
 * of a settled run that strays from the reference by no more than it, is
 * drift, taken into the zero at most `toleranceG` per hour of the shelf's
 * own clock since the last take, and never more than half a unit in all (a bigger offset is for a
 * person to look at: counts then show as not whole). A unit taken slowly is therefore never
 * absorbed: at most half a unit can ever go into the zero.
 */
export class BinScale {
  readonly #s: BinScaleSettings;
  #run: Run | undefined;
  #repeat: Repeat | undefined;
  readonly #faults = new Set<LoadCellFault>();
  /** The settled weight changes are measured from, and the reading it came from. */
  #ref: { grams: number; id: string } | undefined;
  /** Drift taken into the zero, g (bounded by half a unit). */
  #driftG = 0;
  /** The shelf's own time (ms) of the last take into the zero: drift is a matter of the cell's hours. */
  #driftAtMs: number | undefined;
  #lastMovementMs = Number.NEGATIVE_INFINITY;
  /** The latest reading's device time and when it arrived. */
  #last: { at: string; atMs: number } | undefined;
  /** Whole units on the bin by weight, when the settled weight reads as whole units. */
  #shelfUnits: number | undefined;
  #expectedUnits: number | undefined;
  /** When the first copy of the ledger's figure since the shelf's latest own movement came. */
  #copySinceMovementMs = Number.NEGATIVE_INFINITY;
  #disagreement: { key: string; sinceMs: number; reported: boolean } | undefined;

  constructor(settings: BinScaleSettings) {
    this.#s = settings;
  }

  /** Units on the bin by its settled weight; undefined until settled, or when the weight is not whole units. */
  get shelfUnits(): number | undefined {
    return this.#shelfUnits;
  }

  /** Drift taken into the zero so far, g. */
  get driftG(): number {
    return this.#driftG;
  }

  /** A raw reading of the bin (grams as the cell reports them). */
  reading(grams: number, id: string, at: string, nowMs: number): BinOutcome[] {
    // The adapters refuse non-finite values; one that got here anyway would poison the run and the zero for good.
    if (!Number.isFinite(grams)) return [];
    this.#last = { at, atMs: nowMs };
    const out: BinOutcome[] = [];
    // Stuck is judged on the device's clock, like a stuck temperature sensor: readings a cell took 20 s apart
    // are 20 s apart however fast they arrive (a burst after a reconnect, a replay).
    const deviceMs = Date.parse(at);
    this.#checkStuck(grams, Number.isFinite(deviceMs) ? deviceMs : nowMs, at, out);
    const { capacityG, tareG, toleranceG } = this.#s;
    if (capacityG !== undefined && grams > capacityG) this.#raise("out-of-range", grams, capacityG, at, out);
    if (grams - tareG < -toleranceG) this.#raise("negative", grams - tareG, -toleranceG, at, out);
    const run = this.#run;
    if (run !== undefined && Math.max(run.maxG, grams) - Math.min(run.minG, grams) <= toleranceG) {
      run.minG = Math.min(run.minG, grams);
      run.maxG = Math.max(run.maxG, grams);
      run.recentG.push(grams);
      if (run.recentG.length > RECENT_READINGS) run.recentG.shift();
      run.lastId = id;
      // A quiet bin's readings stay in one settled run however long it lasts: drift is followed here, at the
      // same bounded rate, or it would only show once it left the band, as a change that is not whole units.
      const ref = this.#ref;
      if (run.settled && this.#faults.size === 0 && ref !== undefined && Math.abs(grams - ref.grams) <= toleranceG)
        this.#absorbDrift(grams - ref.grams);
    } else {
      this.#run = { startMs: nowMs, minG: grams, maxG: grams, recentG: [grams], lastId: id, settled: false };
    }
    return out;
  }

  /** The ledger's units for this bin and SKU; undefined when the cloud sent none to compare with. */
  expect(units: number | undefined, nowMs: number): BinOutcome[] {
    this.#expectedUnits = units;
    if (this.#copySinceMovementMs <= this.#lastMovementMs) this.#copySinceMovementMs = nowMs;
    const out: BinOutcome[] = [];
    this.#compare(nowMs, out);
    return out;
  }

  /** When a tick is next needed (a run to settle, a disagreement to report), ms; undefined: none. */
  nextDueMs(): number | undefined {
    const run = this.#run;
    if (run !== undefined && !run.settled) return run.startMs + this.#s.settleMs;
    const d = this.#disagreement;
    if (d === undefined || d.reported || this.#faults.size > 0 || run === undefined) return undefined;
    // A figure from before the shelf's own latest movement cannot include it: an edge cut off from the cloud
    // keeps its last copy while its shelves move stock, and that is no mismatch. Back online, the first copy
    // may come before the outbox has sent the movement: the grace runs from that copy too.
    const copyMs = this.#copySinceMovementMs;
    if (copyMs <= this.#lastMovementMs) return undefined;
    return Math.max(d.sinceMs, run.startMs, this.#lastMovementMs, copyMs) + this.#s.graceMs;
  }

  /** The clock reached `nowMs`. */
  tick(nowMs: number): BinOutcome[] {
    const out: BinOutcome[] = [];
    const run = this.#run;
    if (run !== undefined && !run.settled && nowMs - run.startMs >= this.#s.settleMs) {
      run.settled = true;
      this.#settled(median(run.recentG), run.lastId, nowMs, out);
    }
    out.push(...this.#dueMismatch(nowMs));
    return out;
  }

  #settled(grams: number, id: string, nowMs: number, out: BinOutcome[]): void {
    const at = this.#last?.at ?? new Date(nowMs).toISOString();
    const { capacityG, tareG, toleranceG, unitWeightG } = this.#s;
    // A fault seen in raw readings clears only once a reading settles back in range, so a value flapping
    // across the limit raises once rather than on every swing.
    if (this.#faults.has("out-of-range") && (capacityG === undefined || grams <= capacityG))
      this.#clear("out-of-range", grams, capacityG ?? grams, at, out);
    if (this.#faults.has("negative") && grams - tareG >= -toleranceG)
      this.#clear("negative", grams - tareG, -toleranceG, at, out);
    if (this.#faults.size > 0) {
      this.#shelfUnits = undefined;
      return;
    }
    const ref = this.#ref;
    if (ref === undefined) {
      this.#ref = { grams, id };
      this.#driftAtMs = this.#deviceMs();
    } else {
      const deltaG = grams - ref.grams;
      const change = weightToUnits(deltaG, unitWeightG, toleranceG);
      const observationIds: [string, string] = [ref.id, id];
      if (change.kind === "none") {
        this.#absorbDrift(deltaG);
      } else if (change.kind === "units" && Math.abs(change.units) <= MAX_MOVEMENT_UNITS) {
        this.#ref = { grams: ref.grams + change.units * unitWeightG, id };
        // What the movement leaves over may be drift that built up since the bin last settled (a shelf that
        // reports only on change shows its drift nowhere else); it is taken in only as drift is.
        this.#absorbDrift(deltaG - change.units * unitWeightG);
        // Only what the shelf sends waits for the ledger: a rise it does not send is for the ledger to show.
        if (change.units < 0 || this.#s.risesMove) this.#lastMovementMs = nowMs;
        out.push({ kind: "moved", units: change.units, observationIds, at });
      } else {
        const units = change.units;
        const remainderG = change.kind === "not-whole" ? change.remainderG : 0;
        this.#ref = { grams, id };
        out.push({ kind: "not-whole", deltaG, units, remainderG, observationIds, at });
      }
    }
    const netG = grams - tareG - this.#driftG;
    const units = Math.round(netG / unitWeightG);
    this.#shelfUnits =
      Math.abs(netG - units * unitWeightG) <= toleranceG && Math.abs(units) <= MAX_MOVEMENT_UNITS ? units : undefined;
    this.#compare(nowMs, out);
  }

  #absorbDrift(deltaG: number): void {
    const ref = this.#ref;
    const atMs = this.#deviceMs();
    if (ref === undefined || atMs === undefined) return;
    // Hours of the shelf's own clock, so a scenario played faster than real time drifts as it would have; a
    // clock that jumps ahead gains at most the half-unit cap, and one that goes back gains nothing.
    const since = this.#driftAtMs ?? atMs;
    const { toleranceG, unitWeightG } = this.#s;
    const allowed = Math.min(Math.abs(deltaG), (toleranceG * Math.max(0, atMs - since)) / 3_600_000);
    const cap = unitWeightG / 2;
    const step = Math.max(-cap - this.#driftG, Math.min(cap - this.#driftG, Math.sign(deltaG) * allowed));
    this.#driftAtMs = Math.max(since, atMs);
    if (step === 0) return;
    this.#driftG += step;
    this.#ref = { grams: ref.grams + step, id: ref.id };
  }

  /** The latest reading's own time, ms since the epoch; undefined when it does not parse. */
  #deviceMs(): number | undefined {
    const atMs = this.#last === undefined ? Number.NaN : parseTime(this.#last.at);
    return Number.isFinite(atMs) ? atMs : undefined;
  }

  #compare(nowMs: number, out: BinOutcome[]): void {
    const shelf = this.#shelfUnits;
    const expected = this.#expectedUnits;
    if (shelf === undefined || expected === undefined || shelf === expected) {
      this.#disagreement = undefined;
      return;
    }
    const key = `${shelf}/${expected}`;
    if (this.#disagreement?.key !== key) this.#disagreement = { key, sinceMs: nowMs, reported: false };
    // A grace of 0 reports at once, without waiting for a tick.
    out.push(...this.#dueMismatch(nowMs));
  }

  #dueMismatch(nowMs: number): BinOutcome[] {
    const due = this.nextDueMs();
    const d = this.#disagreement;
    const run = this.#run;
    if (d === undefined || d.reported || due === undefined || nowMs < due || run?.settled !== true) return [];
    const shelf = this.#shelfUnits;
    const expected = this.#expectedUnits;
    if (shelf === undefined || expected === undefined) return [];
    d.reported = true;
    const at = this.#deviceTime(nowMs);
    return [{ kind: "mismatch", shelfUnits: shelf, expectedUnits: expected, observationIds: [run.lastId], at }];
  }

  #checkStuck(grams: number, nowMs: number, at: string, out: BinOutcome[]): void {
    if (this.#s.stuckAfterMs <= 0) return;
    const r = this.#repeat;
    if (r === undefined || r.valueG !== grams) {
      this.#repeat = { valueG: grams, sinceMs: nowMs, repeats: 1 };
      if (r !== undefined) this.#clear("stuck", grams, r.valueG, at, out);
      return;
    }
    r.repeats++;
    if (r.repeats >= STUCK_MIN_REPEATS && nowMs - r.sinceMs >= this.#s.stuckAfterMs)
      this.#raise("stuck", grams, grams, at, out);
  }

  #raise(fault: LoadCellFault, valueG: number, limitG: number, at: string, out: BinOutcome[]): void {
    if (this.#faults.has(fault)) return;
    this.#faults.add(fault);
    // What the bin showed before the fault says nothing about it now: no comparison until it settles again.
    this.#disagreement = undefined;
    out.push({ kind: "fault", fault, state: "raised", valueG, limitG, at });
  }

  #clear(fault: LoadCellFault, valueG: number, limitG: number, at: string, out: BinOutcome[]): void {
    if (!this.#faults.delete(fault)) return;
    out.push({ kind: "fault", fault, state: "cleared", valueG, limitG, at });
  }

  /** The device time at `nowMs`: the latest reading's, moved on by the time since it arrived. */
  #deviceTime(nowMs: number): string {
    const last = this.#last;
    if (last === undefined) return new Date(nowMs).toISOString();
    const base = Date.parse(last.at);
    return Number.isFinite(base) ? new Date(base + Math.max(0, nowMs - last.atMs)).toISOString() : last.at;
  }
}

/** The last time text parsed: the readings of one publish, bin after bin, mostly share theirs. */
let lastParsed = { at: "", ms: Number.NaN };

/** `Date.parse`, remembering the last text. */
function parseTime(at: string): number {
  if (lastParsed.at !== at) lastParsed = { at, ms: Date.parse(at) };
  return lastParsed.ms;
}

/** The middle of some readings (the mean of the middle two for an even count); the list is never empty. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}
