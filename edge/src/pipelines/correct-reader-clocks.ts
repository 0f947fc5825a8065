import { canonicalTimestampMs } from "@tally/protocols";
import { Observable, type OperatorFunction } from "rxjs";
import type { TagReadObservation } from "../domain/observation.js";

export interface ReaderClockConfig {
  /**
   * A reader whose clock is off by more than this keeps having its read
   * times corrected; within it, its own times are kept (they are finer than
   * the edge's receive times, which carry the delivery delay), ms.
   */
  toleranceMs: number;
  /** The estimate is the lowest receive − device gap over this much receive time: a clock change is followed within it, ms. */
  windowMs: number;
  /** Width of one slot of that window: the estimate keeps one minimum per slot, ms. */
  slotMs: number;
}

export const DEFAULT_READER_CLOCK_CONFIG: ReaderClockConfig = { toleranceMs: 1000, windowMs: 60_000, slotMs: 1000 };

/** What the edge believes of one reader's clock. */
export interface ReaderClockEstimate {
  deviceId: string;
  /** Reader clock minus edge clock (plus the shortest delivery delay): positive when the reader is ahead, ms. */
  offsetMs: number;
  /** Whether its read times are being rewritten. */
  correcting: boolean;
  /**
   * Whether the window spans a sixth of its length at least and its newer
   * half's lowest gap agrees with the older half's (within the tolerance):
   * a clock running at the edge's rate. A clock just set, or device times
   * played faster than real time (a scenario at full speed), are not corrected.
   */
  steady: boolean;
}

interface Slot {
  index: number;
  minGapMs: number;
}

interface ReaderClock {
  slots: Slot[];
  /** The lowest gap of the window's older and newer halves (by receive time), as `judge` last found them. */
  olderMinMs: number;
  newerMinMs: number;
  /** The lowest gap over the slots, and whether the window's older and newer halves agree on it. */
  minGapMs: number;
  /** Whether the window spans enough receive time to be trusted. */
  spanned: boolean;
  steady: boolean;
  reportedOffsetMs: number | undefined;
  correcting: boolean;
}

/** An estimate that moved less than this since the last one reported is not reported again, ms. */
const REPORT_STEP_MS = 100;

/**
 * Reader clocks → the edge's: reader clocks drift and are often seconds off,
 * so read times from two readers cannot be compared as they are. Each read
 * carries the edge's receive time (`receivedAtMs`); receive − device time is
 * the reader's offset plus that read's delivery delay, so its lowest value
 * over a sliding window (per reader) is the offset plus the shortest delay.
 * Reads delivered late (a buffered burst) have larger gaps and do not move
 * it. When the estimate is past `toleranceMs`, and steady (the newer half
 * of the window's gaps is not lower than the older half's by more than
 * `toleranceMs`: the reader's clock does not run faster than the edge's),
 * each read's `at` becomes its device time plus the estimate; otherwise it
 * stays as the reader said.
 * Reads without a receive time pass unchanged. Pure (no scheduler: only the
 * times the reads carry), so a journal replay corrects them the same way.
 * State: one entry per reader, at most `windowMs / slotMs` slots each.
 */
export function correctReaderClocks(
  config: ReaderClockConfig = DEFAULT_READER_CLOCK_CONFIG,
  onEstimate: (estimate: ReaderClockEstimate) => void = () => undefined,
): OperatorFunction<TagReadObservation, TagReadObservation> {
  const maxSlots = Math.max(1, Math.ceil(config.windowMs / config.slotMs));
  /** The window must span this much receive time before its estimate is trusted. */
  const minSpanMs = config.windowMs / 6;
  return (reads$) =>
    new Observable<TagReadObservation>((subscriber) => {
      const clocks = new Map<string, ReaderClock>();
      const subscription = reads$.subscribe({
        next: (read) => {
          const receivedAtMs = read.receivedAtMs;
          const deviceMs =
            receivedAtMs === undefined
              ? Number.NaN
              : (read.atMs ?? canonicalTimestampMs(read.at) ?? Date.parse(read.at));
          if (receivedAtMs === undefined || !Number.isFinite(deviceMs)) {
            subscriber.next(read);
            return;
          }
          const gapMs = receivedAtMs - deviceMs;
          let clock = clocks.get(read.deviceId);
          if (clock === undefined) {
            clock = {
              slots: [],
              olderMinMs: Number.POSITIVE_INFINITY,
              newerMinMs: Number.POSITIVE_INFINITY,
              minGapMs: gapMs,
              spanned: false,
              steady: false,
              reportedOffsetMs: undefined,
              correcting: false,
            };
            clocks.set(read.deviceId, clock);
          }
          const gapBefore = clock.minGapMs;
          const change = observe(clock, Math.floor(receivedAtMs / config.slotMs), gapMs, maxSlots);
          if (change === "newest-lowered") lowerNewest(clock, gapMs, config.toleranceMs);
          else if (change === "window-moved") judge(clock, config.toleranceMs, config.slotMs, minSpanMs);
          const offsetMs = -clock.minGapMs;
          const correcting = clock.steady && Math.abs(offsetMs) > config.toleranceMs;
          if (
            correcting !== clock.correcting ||
            clock.reportedOffsetMs === undefined ||
            (clock.minGapMs !== gapBefore && Math.abs(offsetMs - clock.reportedOffsetMs) >= REPORT_STEP_MS)
          ) {
            clock.correcting = correcting;
            clock.reportedOffsetMs = offsetMs;
            onEstimate({ deviceId: read.deviceId, offsetMs, correcting, steady: clock.steady });
          }
          if (!correcting) {
            subscriber.next(read);
            return;
          }
          const atMs = deviceMs + clock.minGapMs;
          subscriber.next({ ...read, at: new Date(atMs).toISOString(), atMs });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        clocks.clear();
      };
    });
}

/** How one gap changed the window: not at all, only its newest slot's minimum, or its slots. */
type WindowChange = "none" | "newest-lowered" | "window-moved";

/** Adds one gap to its slot. */
function observe(clock: ReaderClock, index: number, gapMs: number, maxSlots: number): WindowChange {
  const slots = clock.slots;
  const last = slots.at(-1);
  // A receive time earlier than the newest slot (the edge's clock stepped back) counts in the newest slot.
  if (last !== undefined && index <= last.index) {
    if (gapMs >= last.minGapMs) return "none";
    last.minGapMs = gapMs;
    return "newest-lowered";
  }
  slots.push({ index, minGapMs: gapMs });
  while (slots.length > 0 && (slots[0] as Slot).index <= index - maxSlots) slots.shift();
  return "window-moved";
}

/**
 * `judge` after only the newest slot's minimum was lowered to `gapMs`: the
 * window's span and middle are unchanged, and the newest slot is always in
 * the newer half, so only that half's minimum can move. The same outcome as
 * `judge`, without a walk over the slots for every read of a message (a
 * message's reads share one receive time, hence one slot).
 */
function lowerNewest(clock: ReaderClock, gapMs: number, toleranceMs: number): void {
  if (gapMs >= clock.newerMinMs) return;
  clock.newerMinMs = gapMs;
  const older = clock.olderMinMs;
  clock.minGapMs = Math.min(older, gapMs);
  clock.steady = clock.spanned && Number.isFinite(older) && Math.abs(older - gapMs) <= toleranceMs;
}

/** The window's lowest gap, and whether its older and newer halves (by receive time) agree on it. */
function judge(clock: ReaderClock, toleranceMs: number, slotMs: number, minSpanMs: number): void {
  const first = clock.slots[0];
  const last = clock.slots.at(-1);
  if (first === undefined || last === undefined) return;
  const middle = (first.index + last.index) / 2;
  let older = Number.POSITIVE_INFINITY;
  let newer = Number.POSITIVE_INFINITY;
  for (const slot of clock.slots) {
    if (slot.index < middle) older = Math.min(older, slot.minGapMs);
    else newer = Math.min(newer, slot.minGapMs);
  }
  clock.olderMinMs = older;
  clock.newerMinMs = newer;
  clock.minGapMs = Math.min(older, newer);
  // Trusted only once the window has seen a while of reads, and its older and newer halves agree on the
  // lowest gap (each half's lowest is an on-time read: late deliveries do not move it). Newer gaps lower
  // are a clock running fast, or just set forward; higher, one that fell behind or was set back (followed
  // once the old slots leave the window); either way, or over a few seconds only (device times played
  // faster than real time come in a few seconds too), no offset to trust.
  clock.spanned = (last.index - first.index + 1) * slotMs >= minSpanMs;
  clock.steady = Number.isFinite(older) && clock.spanned && Math.abs(older - newer) <= toleranceMs;
}
