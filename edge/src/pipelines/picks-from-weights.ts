import type { EdgeEvent } from "@tally/protocols";
import {
  asyncScheduler,
  debounceTime,
  EMPTY,
  groupBy,
  mergeMap,
  type OperatorFunction,
  of,
  pairwise,
  type SchedulerLike,
} from "rxjs";
import type { WeightObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import { weightToUnits } from "../domain/weight-to-units.js";
import { type EventDeps, newMovement, newTask } from "./event-factory.js";

export interface PicksFromWeightsConfig {
  /** A bin's weight counts once it has not changed for this long, ms. */
  settleMs: number;
}

export const DEFAULT_WEIGHTS_CONFIG: PicksFromWeightsConfig = { settleMs: 300 };

/**
 * Smart-shelf weights → PICK movements. Each bin's weight is taken once it
 * settles; the first settled value is the baseline. A drop of a whole number
 * of units (within the item's tolerance) is a PICK of that many; a rise is
 * stock put on the shelf, recorded by the putaway scan, so no movement; a
 * change that is not whole units opens a WEIGHT_NOT_WHOLE_UNITS task.
 */
export function picksFromWeights(
  site: SiteIndex,
  deps: EventDeps,
  config: PicksFromWeightsConfig = DEFAULT_WEIGHTS_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<WeightObservation, EdgeEvent> {
  return (weights$) =>
    weights$.pipe(
      // Bins come from the site file, so the number of groups is bounded.
      groupBy((w) => `${w.deviceId}|${w.location}`),
      mergeMap((bin$) =>
        bin$.pipe(
          debounceTime(config.settleMs, scheduler),
          pairwise(),
          mergeMap(([before, after]) => {
            const shelf = site.device(after.deviceId);
            const sku =
              shelf?.kind === "shelf" ? shelf.bins.find((b) => b.location === after.location)?.sku : undefined;
            const item = sku === undefined ? undefined : site.itemBySku(sku);
            if (sku === undefined || item?.unitWeightG === undefined) return EMPTY;
            const deltaG = after.grams - before.grams;
            const change = weightToUnits(deltaG, item.unitWeightG, item.weightToleranceG ?? item.unitWeightG * 0.1);
            const evidence = { deviceId: after.deviceId, observationIds: [before.id, after.id] };
            if (change.kind === "not-whole") {
              return of(
                newTask(deps, {
                  taskType: "WEIGHT_NOT_WHOLE_UNITS",
                  occurredAt: after.at,
                  location: after.location,
                  sku,
                  priority: "normal",
                  detail: `weight changed by ${deltaG.toFixed(1)} g: ${change.units} units of ${item.unitWeightG} g and ${change.remainderG.toFixed(1)} g left over`,
                  evidence,
                }),
              );
            }
            if (change.kind === "none" || change.units > 0) return EMPTY;
            return of(
              newMovement(deps, {
                movementType: "PICK",
                occurredAt: after.at,
                sku,
                qty: -change.units,
                from: after.location,
                evidence,
                confidence: 0.95,
              }),
            );
          }),
        ),
      ),
    );
}
