import type { EdgeEvent, ShelfBin, ShelfDevice } from "@tally/protocols";
import { asyncScheduler, Observable, type SchedulerLike } from "rxjs";
import { type BinOutcome, BinScale, type LoadCellFault } from "../domain/bin-scale.js";
import type { WeightObservation } from "../domain/observation.js";
import type { ReferenceView } from "../domain/reference-view.js";
import type { SiteIndex } from "../domain/site-index.js";
import { DueTimers } from "./due-timers.js";
import { type EventDeps, newMovement, newTask } from "./event-factory.js";

export interface ShelfConfig {
  /** A bin's reading counts once it has stayed within its tolerance this long, ms; a shelf's `settleMs` wins. */
  settleMs: number;
  /** Shelf and ledger may disagree this long before COUNT_MISMATCH, ms (default 10 min); a shelf's `mismatchGraceS` wins. */
  mismatchGraceMs?: number;
  /**
   * Send a rise of whole units on a shelf without `replenishFrom` as a PUTAWAY into the bin with no `from`,
   * for the fusion stage to pair with a putaway scan; it never goes to the ledger alone. Default false.
   */
  unsourcedRises?: boolean;
}

/** Long enough for the ledger to take the shelf's own movements and the edge to poll its stock again. */
const DEFAULT_GRACE_MS = 10 * 60_000;

export const DEFAULT_SHELF_CONFIG: ShelfConfig = { settleMs: 300, mismatchGraceMs: DEFAULT_GRACE_MS };

/** An item without its own tolerance or a bin's: a tenth of a unit either way. */
const DEFAULT_TOLERANCE_SHARE = 0.1;

interface Bin {
  shelf: ShelfDevice;
  bin: ShelfBin;
  /** The bin's index in its shelf: keeps condition keys short whatever the location's length. */
  index: number;
  scale: BinScale;
}

/** One shelf's bins, by location: their index in the shelf, and those made so far (null: no item to weigh). */
interface ShelfBins {
  shelf: ShelfDevice;
  indexOf: Map<string, number>;
  made: Map<string, Bin | null>;
}

/**
 * Smart-shelf weights → movements, tasks and load-cell conditions. Each bin
 * of the site file with an item of known unit weight is a `BinScale`: a
 * settled drop of whole units is a PICK, a rise a PUTAWAY from the shelf's
 * `replenishFrom` (none without it: the putaway scan records it), a change
 * that is not whole units a WEIGHT_NOT_WHOLE_UNITS task; a count that
 * disagrees with the ledger's (`reference$`'s bin stock) past the grace is
 * one COUNT_MISMATCH task; a stuck, overloaded or negative cell is a
 * LOAD_CELL_FAULT condition and moves nothing. Timers run on `scheduler`.
 */
export function shelfEvents(
  site: SiteIndex,
  deps: EventDeps,
  initial: ReferenceView,
  config: ShelfConfig = DEFAULT_SHELF_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
): (weights$: Observable<WeightObservation>, reference$: Observable<ReferenceView>) => Observable<EdgeEvent> {
  return (weights$, reference$) =>
    new Observable<EdgeEvent>((subscriber) => {
      let reference = initial;
      // Bins come from the site file, so the maps are bounded; readings of other locations make no state.
      const bins = new Map<string, ShelfBins>();
      /** Every bin made, in the order made. */
      const everyBin: Bin[] = [];

      const emit = (b: Bin, outcomes: readonly BinOutcome[]) => {
        for (const o of outcomes) {
          const event = toEvent(site, deps, config, b, o);
          if (event !== undefined) subscriber.next(event);
        }
      };
      // Every bin's next tick on one timer: a bin's every reading moves its deadline.
      const timers = new DueTimers<Bin>(scheduler, (b, nowMs) => {
        emit(b, b.scale.tick(nowMs));
        schedule(b);
      });
      const schedule = (b: Bin) => timers.set(b, b.scale.nextDueMs());
      const binOf = (w: WeightObservation): Bin | undefined => {
        let shelfBins = bins.get(w.deviceId);
        if (shelfBins === undefined) {
          const shelf = site.device(w.deviceId);
          if (shelf?.kind !== "shelf") return undefined;
          const indexOf = new Map<string, number>();
          // A location listed twice is its first entry's bin.
          shelf.bins.forEach((b, i) => {
            if (!indexOf.has(b.location)) indexOf.set(b.location, i);
          });
          shelfBins = { shelf, indexOf, made: new Map() };
          bins.set(w.deviceId, shelfBins);
        }
        const known = shelfBins.made.get(w.location);
        if (known !== undefined) return known ?? undefined;
        const index = shelfBins.indexOf.get(w.location);
        if (index === undefined) return undefined;
        const created = makeBin(shelfBins.shelf, index);
        shelfBins.made.set(w.location, created ?? null);
        if (created !== undefined) everyBin.push(created);
        return created;
      };
      const makeBin = (shelf: ShelfDevice, index: number): Bin | undefined => {
        const bin = shelf.bins[index];
        const item = bin === undefined ? undefined : site.itemBySku(bin.sku);
        if (bin === undefined || item?.unitWeightG === undefined) return undefined;
        const scale = new BinScale({
          unitWeightG: item.unitWeightG,
          toleranceG: item.weightToleranceG ?? bin.toleranceG ?? item.unitWeightG * DEFAULT_TOLERANCE_SHARE,
          tareG: bin.tareG ?? 0,
          capacityG: bin.capacityG,
          settleMs: shelf.settleMs ?? config.settleMs,
          graceMs:
            shelf.mismatchGraceS === undefined
              ? (config.mismatchGraceMs ?? DEFAULT_GRACE_MS)
              : shelf.mismatchGraceS * 1000,
          stuckAfterMs: (shelf.stuckAfterS ?? 0) * 1000,
          risesMove: shelf.replenishFrom !== undefined,
        });
        const created: Bin = { shelf, bin, index, scale };
        emit(created, scale.expect(reference.expectedUnits(bin.location, bin.sku), scheduler.now()));
        return created;
      };

      const refs = reference$.subscribe({
        next: (view) => {
          reference = view;
          for (const b of everyBin) {
            emit(b, b.scale.expect(view.expectedUnits(b.bin.location, b.bin.sku), scheduler.now()));
            schedule(b);
          }
        },
        error: (error: unknown) => subscriber.error(error),
      });
      const weights = weights$.subscribe({
        next: (w) => {
          const b = binOf(w);
          if (b === undefined) return;
          emit(b, b.scale.reading(w.grams, w.id, w.at, scheduler.now()));
          schedule(b);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        weights.unsubscribe();
        refs.unsubscribe();
        timers.clear();
      };
    });
}

function toEvent(site: SiteIndex, deps: EventDeps, config: ShelfConfig, b: Bin, o: BinOutcome): EdgeEvent | undefined {
  const { shelf, bin } = b;
  const item = site.itemBySku(bin.sku);
  const unitG = item?.unitWeightG ?? 0;
  switch (o.kind) {
    case "moved": {
      const evidence = { deviceId: shelf.id, observationIds: o.observationIds };
      if (o.units < 0)
        return newMovement(deps, {
          movementType: "PICK",
          occurredAt: o.at,
          sku: bin.sku,
          qty: -o.units,
          from: bin.location,
          evidence,
          confidence: 0.95,
        });
      if (shelf.replenishFrom === undefined && config.unsourcedRises !== true) return undefined;
      return newMovement(deps, {
        movementType: "PUTAWAY",
        occurredAt: o.at,
        sku: bin.sku,
        qty: o.units,
        ...(shelf.replenishFrom === undefined ? {} : { from: shelf.replenishFrom }),
        to: bin.location,
        evidence,
        confidence: 0.95,
      });
    }
    case "not-whole":
      // The shelf's whole-units check is off: the change moves nothing and raises nothing.
      if (shelf.checks?.wholeUnits === false) return undefined;
      return newTask(deps, {
        taskType: "WEIGHT_NOT_WHOLE_UNITS",
        occurredAt: o.at,
        location: bin.location,
        sku: bin.sku,
        priority: "normal",
        detail: `weight changed by ${o.deltaG.toFixed(1)} g: ${o.units} units of ${unitG} g and ${o.remainderG.toFixed(1)} g left over`,
        evidence: { deviceId: shelf.id, observationIds: o.observationIds },
      });
    case "mismatch":
      return newTask(deps, {
        taskType: "COUNT_MISMATCH",
        occurredAt: o.at,
        location: bin.location,
        sku: bin.sku,
        priority: "normal",
        detail: `shelf ${shelf.id} weighs ${o.shelfUnits} units of ${bin.sku}; the ledger has ${o.expectedUnits}`,
        evidence: { deviceId: shelf.id, observationIds: o.observationIds },
      });
    case "fault":
      return {
        kind: "condition",
        id: deps.newId(),
        siteId: deps.siteId,
        occurredAt: o.at,
        conditionType: "LOAD_CELL_FAULT",
        state: o.state,
        key: `LOAD_CELL_FAULT:${o.fault}:${shelf.id}#${b.index}`,
        deviceId: shelf.id,
        location: bin.location,
        value: o.valueG,
        limit: o.limitG,
        unit: "g",
        detail: faultDetail(o.fault, o.state, bin.location, o.valueG, o.limitG),
      };
  }
}

function faultDetail(
  fault: LoadCellFault,
  state: "raised" | "cleared",
  location: string,
  valueG: number,
  limitG: number,
): string {
  const g = (n: number) => `${n.toFixed(1)} g`;
  if (state === "cleared") return `${fault}: the load cell at ${location} reads ${g(valueG)} again`;
  switch (fault) {
    case "stuck":
      return `stuck: the load cell at ${location} has read exactly ${g(valueG)} for too long; its bin moves nothing`;
    case "out-of-range":
      return `out-of-range: the load cell at ${location} reads ${g(valueG)}, above its capacity of ${g(limitG)}; its bin moves nothing`;
    case "negative":
      return `negative: the load cell at ${location} reads ${g(valueG)} net of tare, below ${g(limitG)}; its bin moves nothing`;
  }
}
