import type { EdgeEvent, SiteLayout } from "@tally/protocols";
import { asyncScheduler, map, merge, NEVER, Observable, type SchedulerLike, Subject, share } from "rxjs";
import type { DeviceLink } from "../domain/device-link.js";
import { withSource } from "../domain/fusion-rules.js";
import type {
  Observation,
  ReaderNoticeObservation,
  ScanObservation,
  TagReadObservation,
  TemperatureObservation,
  WeightObservation,
} from "../domain/observation.js";
import { ReceiptTally } from "../domain/receipt-tally.js";
import { type ReferenceView, siteOnlyReference } from "../domain/reference-view.js";
import type { SiteIndex } from "../domain/site-index.js";
import type { TagMemory } from "../domain/tag-whereabouts.js";
import {
  correctReaderClocks,
  DEFAULT_READER_CLOCK_CONFIG,
  type ReaderClockConfig,
  type ReaderClockEstimate,
} from "./correct-reader-clocks.js";
import { DEFAULT_PASS_CONFIG, type DetectPassesConfig, detectPasses, OpenPasses } from "./detect-passes.js";
import { deviceSilence } from "./device-silence.js";
import type { EventDeps } from "./event-factory.js";
import { excursionWindows } from "./excursion-windows.js";
import { DEFAULT_FUSION_WINDOW_MS, fuseShelfAndScans } from "./fuse-shelf-and-scans.js";
import { DEFAULT_GROUP_CONFIG, DoorActivity, type GroupCrossingsConfig, groupCrossings } from "./group-crossings.js";
import { movementsFromScans } from "./movements-from-scans.js";
import { readerOverflowConditions } from "./reader-overflow-conditions.js";
import { DEFAULT_RFID_EVENTS_CONFIG, type RfidEventsConfig, rfidEvents } from "./rfid-events.js";
import { DEFAULT_SHELF_CONFIG, type ShelfConfig, shelfEvents } from "./shelf-events.js";
import { stuckSensors } from "./stuck-sensors.js";
import { summarizeTemperatures } from "./summarize-temperatures.js";
import { type CrossReadConfig, DEFAULT_CROSS_READ_CONFIG, suppressCrossReads } from "./suppress-cross-reads.js";
import type { ParkedTagStore } from "./tag-memory.js";
import { type LateTemperature, temperatureConditions } from "./temperature-conditions.js";
import { temperatureRate } from "./temperature-rate.js";

export interface EdgePipelineConfig {
  /** Reader clocks checked against the edge's receive times. */
  readerClocks: ReaderClockConfig;
  /** Tag reads → passes. */
  passes: DetectPassesConfig;
  /** Candidate passes that follow the tags crossing with them; default `DEFAULT_GROUP_CONFIG`. */
  groups?: GroupCrossingsConfig;
  /** Passes of one tag at two portals. */
  crossReads: CrossReadConfig;
  /** Passes → movements: one per tag, portal and direction within `dedupeTtlMs`. */
  reads: RfidEventsConfig;
  /** Smart-shelf weights: defaults for shelves whose site-file entry does not say. */
  weights: ShelfConfig;
  /** A scan and a shelf change of one bin this far apart are one movement, ms; a shelf's `fusionWindowS` wins. */
  fusionWindowMs?: number;
  /**
   * One summary (mean, min, max, count) per temperature sensor per this many ms of device time, aligned to
   * multiples of it; whole seconds.
   */
  telemetryIntervalMs: number;
  /** A READER_OVERFLOW condition clears after this long without another overflow, ms. */
  overflowQuietMs: number;
  /** A device not heard from (or, without heartbeats, not connected) for this long raises DEVICE_SILENT, ms. */
  deviceSilentMs: number;
}

export const DEFAULT_PIPELINE_CONFIG: EdgePipelineConfig = {
  readerClocks: DEFAULT_READER_CLOCK_CONFIG,
  passes: DEFAULT_PASS_CONFIG,
  crossReads: DEFAULT_CROSS_READ_CONFIG,
  reads: DEFAULT_RFID_EVENTS_CONFIG,
  weights: DEFAULT_SHELF_CONFIG,
  telemetryIntervalMs: 60_000,
  overflowQuietMs: 5 * 60_000,
  // Three missed heartbeats at the simulators' (and typical devices') 10 s interval.
  deviceSilentMs: 30_000,
};

export interface EdgePipelineInputs {
  observations$: Observable<Observation>;
  /** Device connections as the device broker sees them (the embedded broker reports them); none by default. */
  links$?: Observable<DeviceLink>;
  /** Reference data updates (item master, open expected receipts and shipments); none by default. */
  reference$?: Observable<ReferenceView>;
  /** The reference data at start: a cached copy, else the site file's items. */
  initialReference?: ReferenceView;
  /**
   * What the RFID pipelines knew before a restart (kept by the outbox): each tag's last crossing and where its
   * goods went, and the latest move of each SKU out of each location without serials.
   */
  tagMemory?: TagMemory;
  /** Where tags found parked at a portal are kept (durable beside the journal); in memory by default. */
  parkedTags?: ParkedTagStore;
  /** Each reader's clock offset as it is learnt (for a gauge and a log line). */
  onReaderClock?: (estimate: ReaderClockEstimate) => void;
  /** Each temperature reading a stage left out as older than what it already took (for a counter). */
  onLateTemperature?: LateTemperature;
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
  return new Observable<EdgeEvent>((subscriber) => {
    // One switch routes each observation to its pipeline (cheaper per read than a filter per pipeline).
    const all$ = new Subject<Observation>();
    const reads$ = new Subject<TagReadObservation>();
    const notices$ = new Subject<ReaderNoticeObservation>();
    const scans$ = new Subject<ScanObservation>();
    const weights$ = new Subject<WeightObservation>();
    const temps$ = new Subject<TemperatureObservation>();
    const subjects = [all$, reads$, notices$, scans$, weights$, temps$] as const;
    const openPasses = new OpenPasses();
    const activity = new DoorActivity();
    const passes$ = reads$.pipe(
      correctReaderClocks(config.readerClocks ?? DEFAULT_READER_CLOCK_CONFIG, inputs.onReaderClock),
      detectPasses(site, config.passes, scheduler, openPasses, inputs.parkedTags),
      groupCrossings(config.groups ?? DEFAULT_GROUP_CONFIG, scheduler, undefined, openPasses, activity),
      suppressCrossReads(site.portalsNeighbour, config.crossReads, scheduler, onCrossRead, openPasses, activity),
    );
    const initial = inputs.initialReference ?? siteOnlyReference(site.site.items);
    const temperatures$ = temps$.pipe(share());
    // Scan movements go out, and teach the RFID pipeline where SKUs went without their serials (putaways).
    // One tally of the open receipts for portals and receipt scans alike: a receipt may be read or scanned in.
    const receipts = new ReceiptTally();
    const scanEvents$ = scans$.pipe(movementsFromScans(deps, initial, receipts, inputs.reference$ ?? NEVER), share());
    const output = merge(
      rfidEvents(
        site,
        deps,
        initial,
        config.reads,
        scheduler,
        inputs.tagMemory,
        receipts,
      )(passes$, inputs.reference$ ?? NEVER, scanEvents$).pipe(
        // Every movement says what it rests on, RFID's too (they pass no fusion: no shelf weighs a pallet).
        map((e) => (e.kind === "movement" ? { ...e, evidence: withSource(e.evidence, "rfid") } : e)),
      ),
      notices$.pipe(readerOverflowConditions(site, deps, config.overflowQuietMs, scheduler)),
      fuseShelfAndScans(
        site,
        deps,
        initial,
        config.fusionWindowMs ?? DEFAULT_FUSION_WINDOW_MS,
        scheduler,
      )(
        scanEvents$,
        // Rises of shelves without `replenishFrom` are sent to fusion to pair with putaway scans.
        shelfEvents(
          site,
          deps,
          initial,
          { ...config.weights, unsourcedRises: true },
          scheduler,
        )(weights$, inputs.reference$ ?? NEVER),
        inputs.reference$ ?? NEVER,
      ),
      temperatures$.pipe(temperatureConditions(site, deps, inputs.onLateTemperature)),
      temperatures$.pipe(temperatureRate(site, deps, inputs.onLateTemperature)),
      temperatures$.pipe(stuckSensors(site, deps)),
      temperatures$.pipe(summarizeTemperatures(deps, config.telemetryIntervalMs, scheduler, inputs.onLateTemperature)),
      temperatures$.pipe(excursionWindows(site, deps)),
      deviceSilence(site, deps, config.deviceSilentMs, scheduler)(all$, inputs.links$),
    ).subscribe(subscriber);
    const input = inputs.observations$.subscribe({
      next: (o) => {
        all$.next(o);
        switch (o.type) {
          case "tag-read":
            reads$.next(o);
            break;
          case "reader-notice":
            notices$.next(o);
            break;
          case "scan":
            scans$.next(o);
            break;
          case "weight":
            weights$.next(o);
            break;
          case "temperature":
            temps$.next(o);
            break;
          case "heartbeat":
            break;
        }
      },
      error: (error: unknown) => {
        for (const s of subjects) s.error(error);
      },
      complete: () => {
        for (const s of subjects) s.complete();
      },
    });
    return () => {
      input.unsubscribe();
      output.unsubscribe();
    };
  });
}

/**
 * Longest the pipelines may still hold data after their last input, ms: a
 * burst closes within 1.25 × its silence (sweeps run at a quarter of it), a
 * candidate waits for the tags that crossed with it, a pass is held for
 * cross-reads, and weights settle (the slowest shelf of `site`); plus the batching.
 */
export function pipelineSettleMs(config: EdgePipelineConfig, site?: SiteLayout): number {
  const groupHoldMs = (config.groups ?? DEFAULT_GROUP_CONFIG).holdMs;
  // A shelf of the site file may settle more slowly than the edge's default.
  const weightsSettleMs = Math.max(
    config.weights.settleMs,
    ...(site?.devices ?? []).map((d) => (d.kind === "shelf" ? (d.settleMs ?? 0) : 0)),
  );
  // A shelf change or a scan at a shelf bin waits up to its shelf's fusion window for its other half.
  const fusionMs = Math.max(
    0,
    ...(site?.devices ?? []).map((d) =>
      d.kind === "shelf"
        ? d.fusionWindowS === undefined
          ? (config.fusionWindowMs ?? DEFAULT_FUSION_WINDOW_MS)
          : d.fusionWindowS * 1000
        : 0,
    ),
  );
  return config.passes.silenceMs * 1.25 + groupHoldMs + config.crossReads.holdOffMs + weightsSettleMs + fusionMs + 250;
}
