import type { EdgeEvent } from "@tally/protocols";
import type { Logger } from "pino";
import { bufferTime, filter, type Observable, type Subscription } from "rxjs";
import type { ReferenceDataSync } from "./adapters/http-reference-data.js";
import type { DeviceIntake } from "./device-intake.js";
import { withContentId } from "./domain/content-id.js";
import type { DeviceLink } from "./domain/device-link.js";
import type { SiteIndex } from "./domain/site-index.js";
import type { EdgeCounters } from "./edge-metrics-snapshot.js";
import type { EdgeStorage } from "./edge-storage.js";
import type { ObservationFeed } from "./observation-feed.js";
import type { OutboxWriter } from "./outbox-writer.js";
import { type EdgePipelineConfig, edgePipeline } from "./pipelines/edge-pipeline.js";
import { readerClockLog } from "./reader-clock-log.js";

export interface PipelineToOutboxContext {
  feed: Pick<ObservationFeed, "observations$">;
  /** Device connections as the embedded broker sees them; none from an external broker. */
  links$: Observable<DeviceLink> | undefined;
  reference: ReferenceDataSync | undefined;
  /** What the RFID pipelines knew before a restart, and where parked tags are kept. */
  storage: Pick<EdgeStorage, "tagMemory" | "parkedTags">;
  siteIndex: SiteIndex;
  siteId: string;
  newId: () => string;
  pipelineConfig: EdgePipelineConfig;
  writer: Pick<OutboxWriter, "push">;
  /** With a journal, replays must make the same ids: the events' ids are derived from their content. */
  journalled: boolean;
  /** While the journal replays, late temperatures are not counted again (they were when they first arrived). */
  intake: Pick<DeviceIntake, "replaying">;
  metrics: Pick<EdgeCounters, "eventsQueued" | "temperatureReadingsLate" | "readerClocks">;
  logger: Logger;
}

/** Runs the edge's pipelines over the observations and hands their events to the outbox writer every 20 ms. */
export function subscribePipelineToOutbox(context: PipelineToOutboxContext): Subscription {
  const { metrics, writer, journalled, logger } = context;
  return edgePipeline(
    {
      observations$: context.feed.observations$,
      ...(context.links$ !== undefined ? { links$: context.links$ } : {}),
      ...(context.reference !== undefined ? { reference$: context.reference.reference$ } : {}),
      tagMemory: context.storage.tagMemory,
      parkedTags: context.storage.parkedTags,
      onLateTemperature: (_deviceId, stage) => {
        if (context.intake.replaying) return;
        metrics.temperatureReadingsLate[stage] = (metrics.temperatureReadingsLate[stage] ?? 0) + 1;
      },
      onReaderClock: readerClockLog(metrics.readerClocks, logger),
    },
    context.siteIndex,
    { siteId: context.siteId, newId: context.newId },
    context.pipelineConfig,
  )
    .pipe(
      bufferTime(20),
      filter((batch: EdgeEvent[]) => batch.length > 0),
    )
    .subscribe({
      next: (batch) => {
        metrics.eventsQueued += batch.length;
        // With a journal, replays must make the same ids: derive them from the content.
        writer.push(journalled ? batch.map(withContentId) : batch);
      },
      error: (error: unknown) => logger.fatal({ err: (error as Error).message }, "edge pipeline failed"),
    });
}
