import { canonicalTimestampMs } from "@tally/protocols";
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from "rxjs";
import { BoundedLru } from "./bounded-lru.js";
import type { Direction } from "./crossing-evidence.js";
import type { OpenPasses, TagPass } from "./detect-passes.js";
import { FifoWindow } from "./fifo-window.js";

export interface GroupCrossingsConfig {
  /** A candidate waits this long for the crossings of tags that went through with it, ms. */
  holdMs: number;
  /** Crossings at the same portal within this long of a candidate's reads went through with it, ms. */
  windowMs: number;
  /** Share of those crossings that must agree on the way for the candidate to follow them (0–1). */
  minAgreement: number;
  /**
   * A candidate's strongest read may be at most this much weaker than the
   * crossings' typical strongest: tags carried through pass close to the
   * antennas; a pallet standing further off while they pass is not one of them, dB.
   */
  maxWeakerDb: number;
}

export const DEFAULT_GROUP_CONFIG: GroupCrossingsConfig = {
  holdMs: 2000,
  windowMs: 2000,
  minAgreement: 0.8,
  maxWeakerDb: 16,
};

/** Thinly read passes that crossed with their group, remembered until `detectPasses` confirms them too. */
const MAX_JOINED_WEAK = 100_000;
/** Most crossings remembered per portal (bounded memory however fast they come). */
const MAX_REMEMBERED = 100_000;

interface Crossed {
  /** When it was let through, scheduler time: it is kept while a candidate held since then may need it. */
  seenMs: number;
  atMs: number;
  firstMs: number;
  lastMs: number;
  direction: Direction;
  maxRssi: number;
}

interface Held {
  pass: TagPass;
  firstMs: number;
  lastMs: number;
}

/**
 * How many tags crossed each door lately, on their own evidence: kept by
 * `groupCrossings`, asked by cross-read suppression (a tag read at two doors
 * at once most likely went through the one its pallet went through).
 */
export class DoorActivity {
  readonly #byPortal = new Map<string, FifoWindow<{ atMs: number; seenMs: number }>>();

  constructor(private readonly keepMs = 15_000) {}

  record(portalId: string, atMs: number, nowMs: number): void {
    let list = this.#byPortal.get(portalId);
    if (list === undefined) {
      list = new FifoWindow();
      this.#byPortal.set(portalId, list);
    }
    list.push({ atMs, seenMs: nowMs });
    list.dropWhile((oldest, length) => nowMs - oldest.seenMs > this.keepMs || length > MAX_REMEMBERED);
  }

  /** Crossings at `portalId` whose (device) time is within `windowMs` of `atMs`. */
  around(portalId: string, atMs: number, windowMs: number): number {
    let n = 0;
    for (const c of this.#byPortal.get(portalId) ?? []) if (Math.abs(c.atMs - atMs) <= windowMs) n++;
    return n;
  }
}

/** What became of a candidate that no crossing vouched for. */
export type CandidateOutcome = "joined" | "unconfirmed" | "turned-back" | "awaits-leaving";

/**
 * Tags on one pallet go through a door together, but some of them are read
 * on one side only, or too little to show the order. A candidate pass (see
 * `detectPasses`) follows the crossings at its portal whose times fall within
 * `windowMs` of its reads, when they agree on the way, it was read while
 * they were (not before them nor after) and about as strongly
 * (`maxWeakerDb`); it then crosses too,
 * at their median time unless its own reads dated it. Without them, a
 * candidate read on both sides in no order becomes `unconfirmed` (a person
 * looks at it; one in order but thinly read waits for `detectPasses` to
 * see it leave the field),
 * and one read on one side only is an approach that turned back or a tag
 * beside the door: dropped. Crossings pass at once. `openPasses`, when
 * given, counts the candidates held here as still open, so that cross-read
 * suppression waits for them.
 */
export function groupCrossings(
  config: GroupCrossingsConfig = DEFAULT_GROUP_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
  onCandidate: (pass: TagPass, outcome: CandidateOutcome) => void = () => undefined,
  openPasses?: OpenPasses,
  activity?: DoorActivity,
): OperatorFunction<TagPass, TagPass> {
  return (passes$) =>
    new Observable<TagPass>((subscriber) => {
      const crossed = new Map<string, FifoWindow<Crossed>>();
      const held: Held[] = [];
      let timer: Subscription | undefined;
      let dueMs = Number.POSITIVE_INFINITY;
      const heldSince = new Map<Held, number>();
      /** `portal|epc` of thinly read passes already crossed with their group: their own confirmation is a repeat. */
      const joinedWeak = new BoundedLru<string, true>(MAX_JOINED_WEAK);

      const remember = (pass: TagPass) => {
        const atMs = timeOf(pass.crossingAt ?? pass.lastAt);
        let list = crossed.get(pass.portalId);
        if (list === undefined) {
          list = new FifoWindow();
          crossed.set(pass.portalId, list);
        }
        const now = scheduler.now();
        activity?.record(pass.portalId, atMs, now);
        list.push({
          seenMs: now,
          atMs,
          firstMs: timeOf(pass.firstAt),
          lastMs: timeOf(pass.lastAt),
          direction: pass.direction ?? "inbound",
          maxRssi: pass.maxRssi,
        });
        // Kept by the scheduler's clock, not device time: a replay or a play at full speed delivers
        // hours of device time in seconds, and a candidate held now still needs the crossings beside it.
        const keepMs = 2 * config.holdMs + 1000;
        list.dropWhile((oldest, length) => now - oldest.seenMs > keepMs || length > MAX_REMEMBERED);
      };
      const resolve = (h: Held) => {
        // No longer held here: cross-read suppression stops waiting for it once it has been let through.
        openPasses?.closed(h.pass.epc, h.pass.portalId);
        const nearby =
          crossed
            .get(h.pass.portalId)
            ?.filter((c) => c.atMs >= h.firstMs - config.windowMs && c.atMs <= h.lastMs + config.windowMs) ?? [];
        const inbound = nearby.filter((c) => c.direction === "inbound");
        const way: Direction = inbound.length * 2 >= nearby.length ? "inbound" : "outbound";
        const agreeing = nearby.filter((c) => c.direction === way);
        const strengths = agreeing.map((c) => c.maxRssi).sort((a, b) => a - b);
        const typical = strengths[Math.floor(strengths.length / 2)] ?? 0;
        // Read while they were read: a tag that was there before them (or stays after) was standing by. A
        // tag read on one side only was read while they were on that side: before their crossing on the
        // side they came from, after it on the side they went to (a pallet brought up to the door and
        // taken back while a truck unloads through it lingers on one side past their crossing).
        const margin = config.windowMs / 4;
        const firstSide = way === "inbound" ? "outer" : "inner";
        const earliest = Math.min(...agreeing.map((c) => c.firstMs));
        const latest = Math.max(...agreeing.map((c) => c.lastMs));
        const crossedFrom = Math.min(...agreeing.map((c) => c.atMs));
        const crossedTo = Math.max(...agreeing.map((c) => c.atMs));
        const side = h.pass.side;
        const from = (side === undefined || side === firstSide ? earliest : crossedFrom) - margin;
        const to = (side === undefined || side !== firstSide ? latest : crossedTo) + margin;
        // Read for about as long as they were: a pallet brought up to the door and taken back again is read
        // for longer than one carried through.
        const spans = agreeing.map((c) => c.lastMs - c.firstMs).sort((x, y) => x - y);
        const typicalSpan = spans[Math.floor(spans.length / 2)] ?? 0;
        if (
          nearby.length > 0 &&
          agreeing.length / nearby.length >= config.minAgreement &&
          h.pass.maxRssi >= typical - config.maxWeakerDb &&
          h.firstMs >= from &&
          h.lastMs <= to &&
          h.lastMs - h.firstMs <= typicalSpan * 1.5 + config.windowMs / 4
        ) {
          const ownTime = h.pass.direction === way ? h.pass.crossingAt : undefined;
          const times = agreeing.map((c) => c.atMs).sort((a, b) => a - b);
          const median = times[Math.floor(times.length / 2)] ?? h.lastMs;
          onCandidate(h.pass, "joined");
          if (h.pass.evidence === "weak-crossing" && h.pass.fresh)
            joinedWeak.set(`${h.pass.portalId}|${h.pass.epc}`, true);
          subscriber.next({
            ...h.pass,
            verdict: "crossing",
            direction: way,
            directionFrom: "group",
            crossingAt: ownTime ?? new Date(median).toISOString(),
          });
          return;
        }
        if (h.pass.evidence === "one-sided" || h.pass.evidence === "none") {
          onCandidate(h.pass, "turned-back");
          return;
        }
        if (h.pass.evidence === "weak-crossing" && h.pass.fresh) {
          // `detectPasses` confirms it itself once the tag has left the field unread.
          onCandidate(h.pass, "awaits-leaving");
          return;
        }
        onCandidate(h.pass, "unconfirmed");
        subscriber.next({ ...h.pass, verdict: "unconfirmed" });
      };
      const arm = () => {
        if (timer !== undefined || held.length === 0) return;
        const first = held[0] as Held;
        dueMs = (heldSince.get(first) ?? scheduler.now()) + config.holdMs;
        timer = scheduler.schedule(
          () => {
            timer = undefined;
            const now = scheduler.now();
            while (held.length > 0 && (heldSince.get(held[0] as Held) ?? 0) + config.holdMs <= now) {
              const h = held.shift() as Held;
              heldSince.delete(h);
              resolve(h);
            }
            arm();
          },
          Math.max(0, dueMs - scheduler.now()),
        );
      };

      const subscription = passes$.subscribe({
        next: (pass) => {
          if (pass.verdict === "crossing") {
            if (pass.evidence === "weak-crossing" && pass.directionFrom === "antennas") {
              const key = `${pass.portalId}|${pass.epc}`;
              if (joinedWeak.get(key) !== undefined) {
                joinedWeak.delete(key);
                return;
              }
            }
            remember(pass);
            subscriber.next(pass);
            return;
          }
          if (pass.verdict !== "candidate") {
            subscriber.next(pass);
            return;
          }
          const h: Held = { pass, firstMs: timeOf(pass.firstAt), lastMs: timeOf(pass.lastAt) };
          held.push(h);
          heldSince.set(h, scheduler.now());
          // Still to come, as far as cross-read suppression at a neighbouring door is concerned.
          openPasses?.opened(pass.epc, pass.portalId);
          arm();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          timer?.unsubscribe();
          for (const h of held.splice(0)) resolve(h);
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        timer?.unsubscribe();
        for (const h of held) openPasses?.closed(h.pass.epc, h.pass.portalId);
        held.length = 0;
      };
    });
}

function timeOf(iso: string): number {
  return canonicalTimestampMs(iso) ?? Date.parse(iso);
}
