import type { EdgeEvent } from "@tally/protocols";
import { asyncScheduler, filter, merge, type Observable, type SchedulerLike, share } from "rxjs";
import type {
  Observation,
  ScanObservation,
  TagReadObservation,
  TemperatureObservation,
  WeightObservation,
} from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import { downsampleTemperatures } from "./downsample-temperatures.js";
import type { EventDeps } from "./event-factory.js";
import { DEFAULT_READS_CONFIG, type MovementsFromReadsConfig, movementsFromReads } from "./movements-from-reads.js";
import { movementsFromScans } from "./movements-from-scans.js";
import { DEFAULT_WEIGHTS_CONFIG, type PicksFromWeightsConfig, picksFromWeights } from "./picks-from-weights.js";
import { temperatureConditions } from "./temperature-conditions.js";

export interface EdgePipelineConfig {
  reads: MovementsFromReadsConfig;
  weights: PicksFromWeightsConfig;
  /** One telemetry point per temperature sensor per this many ms. */
  telemetryIntervalMs: number;
}

export const DEFAULT_PIPELINE_CONFIG: EdgePipelineConfig = {
  reads: DEFAULT_READS_CONFIG,
  weights: DEFAULT_WEIGHTS_CONFIG,
  telemetryIntervalMs: 60_000,
};

const ofType =
  <T extends Observation["type"]>(type: T) =>
  (o: Observation): o is Extract<Observation, { type: T }> =>
    o.type === type;

/** Every observation of a site → the events the edge sends to the cloud. */
export function edgePipeline(
  observations$: Observable<Observation>,
  site: SiteIndex,
  deps: EventDeps,
  config: EdgePipelineConfig = DEFAULT_PIPELINE_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<EdgeEvent> {
  const shared$ = observations$.pipe(share());
  const reads$ = shared$.pipe(filter(ofType("tag-read"))) as Observable<TagReadObservation>;
  const scans$ = shared$.pipe(filter(ofType("scan"))) as Observable<ScanObservation>;
  const weights$ = shared$.pipe(filter(ofType("weight"))) as Observable<WeightObservation>;
  const temps$ = shared$.pipe(filter(ofType("temperature"))) as Observable<TemperatureObservation>;
  return merge(
    reads$.pipe(movementsFromReads(site, deps, config.reads, scheduler)),
    scans$.pipe(movementsFromScans(site, deps)),
    weights$.pipe(picksFromWeights(site, deps, config.weights, scheduler)),
    temps$.pipe(temperatureConditions(site, deps)),
    temps$.pipe(downsampleTemperatures(deps, config.telemetryIntervalMs)),
  );
}
