import type { EdgeEvent } from "@tally/protocols";
import { asyncScheduler, filter, merge, NEVER, type Observable, type SchedulerLike, share } from "rxjs";
import type {
  Observation,
  ReaderNoticeObservation,
  ScanObservation,
  TagReadObservation,
  TemperatureObservation,
  WeightObservation,
} from "../domain/observation.js";
import { type ReferenceView, siteOnlyReference } from "../domain/reference-view.js";
import type { SiteIndex } from "../domain/site-index.js";
import { DEFAULT_PASS_CONFIG, type DetectPassesConfig, detectPasses } from "./detect-passes.js";
import { deviceSilence } from "./device-silence.js";
import { downsampleTemperatures } from "./downsample-temperatures.js";
import type { EventDeps } from "./event-factory.js";
import { movementsFromScans } from "./movements-from-scans.js";
import { DEFAULT_WEIGHTS_CONFIG, type PicksFromWeightsConfig, picksFromWeights } from "./picks-from-weights.js";
import { readerOverflowConditions } from "./reader-overflow-conditions.js";
import { DEFAULT_RFID_EVENTS_CONFIG, type RfidEventsConfig, rfidEvents } from "./rfid-events.js";
import { type CrossReadConfig, DEFAULT_CROSS_READ_CONFIG, suppressCrossReads } from "./suppress-cross-reads.js";
import { temperatureConditions } from "./temperature-conditions.js";

export interface EdgePipelineConfig {
  /** Tag reads → passes. */
  passes: DetectPassesConfig;
  /** Passes of one tag at two portals. */
  crossReads: CrossReadConfig;
  /** Passes → movements: one per tag, portal and direction within `dedupeTtlMs`. */
  reads: RfidEventsConfig;
  weights: PicksFromWeightsConfig;
  /** One telemetry point per temperature sensor per this many ms. */
  telemetryIntervalMs: number;
  /** A READER_OVERFLOW condition clears after this long without another overflow, ms. */
  overflowQuietMs: number;
  /** A device not heard from for this long raises DEVICE_SILENT, ms. */
  deviceSilentMs: number;
}

export const DEFAULT_PIPELINE_CONFIG: EdgePipelineConfig = {
  passes: DEFAULT_PASS_CONFIG,
  crossReads: DEFAULT_CROSS_READ_CONFIG,
  reads: DEFAULT_RFID_EVENTS_CONFIG,
  weights: DEFAULT_WEIGHTS_CONFIG,
  telemetryIntervalMs: 60_000,
  overflowQuietMs: 5 * 60_000,
  // Three missed heartbeats at the simulators' (and typical devices') 10 s interval.
  deviceSilentMs: 30_000,
};

const ofType =
  <T extends Observation["type"]>(type: T) =>
  (o: Observation): o is Extract<Observation, { type: T }> =>
    o.type === type;

export interface EdgePipelineInputs {
  observations$: Observable<Observation>;
  /** Reference data updates (item master, open expected receipts and shipments); none by default. */
  reference$?: Observable<ReferenceView>;
  /** The reference data at start: a cached copy, else the site file's items. */
  initialReference?: ReferenceView;
}

/** Every observation of a site → the events the edge sends to the cloud. */
export function edgePipeline(
  inputs: EdgePipelineInputs,
  site: SiteIndex,
  deps: EventDeps,
  config: EdgePipelineConfig = DEFAULT_PIPELINE_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
  onCrossRead?: Parameters<typeof suppressCrossReads>[3],
): Observable<EdgeEvent> {
  const shared$ = inputs.observations$.pipe(share());
  const reads$ = shared$.pipe(filter(ofType("tag-read"))) as Observable<TagReadObservation>;
  const notices$ = shared$.pipe(filter(ofType("reader-notice"))) as Observable<ReaderNoticeObservation>;
  const scans$ = shared$.pipe(filter(ofType("scan"))) as Observable<ScanObservation>;
  const weights$ = shared$.pipe(filter(ofType("weight"))) as Observable<WeightObservation>;
  const temps$ = shared$.pipe(filter(ofType("temperature"))) as Observable<TemperatureObservation>;
  const passes$ = reads$.pipe(
    detectPasses(site, config.passes, scheduler),
    suppressCrossReads(site.portalsNeighbour, config.crossReads, scheduler, onCrossRead),
  );
  const initial = inputs.initialReference ?? siteOnlyReference(site.site.items);
  return merge(
    rfidEvents(site, deps, initial, config.reads, scheduler)(passes$, inputs.reference$ ?? NEVER),
    notices$.pipe(readerOverflowConditions(site, deps, config.overflowQuietMs, scheduler)),
    scans$.pipe(movementsFromScans(site, deps)),
    weights$.pipe(picksFromWeights(site, deps, config.weights, scheduler)),
    temps$.pipe(temperatureConditions(site, deps)),
    temps$.pipe(downsampleTemperatures(deps, config.telemetryIntervalMs)),
    shared$.pipe(deviceSilence(site, deps, config.deviceSilentMs, scheduler)),
  );
}
