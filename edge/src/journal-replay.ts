import type { SiteLayout } from "@tally/protocols";
import type { Logger } from "pino";
import type { DeviceIntake } from "./device-intake.js";
import { JournalHolds, longestStationaryMs, shelfBinLocations } from "./domain/journal-holds.js";
import { ContinuingRunFilter } from "./domain/replay-filter.js";
import type { EdgeCounters } from "./edge-metrics-snapshot.js";
import { JournalCheckpoints } from "./journal-checkpoints.js";
import type { ObservationFeed } from "./observation-feed.js";
import type { OutboxWriter } from "./outbox-writer.js";
import type { EdgePipelineConfig } from "./pipelines/edge-pipeline.js";
import type { DeviceJournal } from "./ports/device-journal.js";
import type { Outbox } from "./ports/outbox.js";

/**
 * Which journalled messages the site's pipelines may still hold, and how long messages stay in the journal past
 * its checkpoint as context for a replay (twice the longest a run may be held), ms.
 */
export function siteJournalHolds(
  site: SiteLayout,
  pipelineConfig: EdgePipelineConfig,
  settleMs: number,
): { holds: JournalHolds; contextMs: number } {
  const stationaryMs = longestStationaryMs(site, pipelineConfig.passes.stationaryMs);
  const holds = new JournalHolds({ settleMs, stationaryMs, shelfBins: shelfBinLocations(site) });
  return { holds, contextMs: 2 * (stationaryMs + settleMs) };
}

export interface JournalReplayContext {
  journal: Pick<DeviceJournal, "startsMidStream" | "unprocessed">;
  intake: Pick<DeviceIntake, "replay">;
  /** Where the replayed observations go: the pipelines, like any device's. */
  feed: Pick<ObservationFeed, "feed">;
  /** A run going when a mid-stream replay starts is left out until its tag was silent this long, ms. */
  silenceMs: number;
  metrics: Pick<EdgeCounters, "journalReplayed">;
  logger: Logger;
}

/**
 * At start, before any device is heard: what arrived before a crash and is past the checkpoint goes through the
 * pipelines again, with the context before it; content-derived ids make what was already sent a duplicate the
 * cloud absorbs.
 */
export function replayJournal(context: JournalReplayContext): void {
  const { journal, metrics, logger } = context;
  const filter = journal.startsMidStream() ? new ContinuingRunFilter(context.silenceMs) : undefined;
  const replayed = context.intake.replay(journal.unprocessed(), filter, context.feed.feed);
  metrics.journalReplayed = replayed;
  if (replayed > 0) logger.info({ replayed }, "device messages replayed from the journal");
}

export interface JournalCheckpointTimerContext {
  journal: DeviceJournal;
  outbox: Outbox;
  holds: Pick<JournalHolds, "watermark">;
  writer: Pick<OutboxWriter, "waiting">;
  /** Messages this recent stay past the checkpoint as context for a replay, ms. */
  contextMs: number;
  /** Called when the outbox cannot be synced: the edge stops. */
  stopOnFailure: (what: string, error: Error) => void;
  logger: Logger;
  /** Where the timer's stop is pushed (the edge closes in reverse). */
  closers: (() => Promise<void>)[];
}

/**
 * The checkpoint: every 500 ms, the watermark seen at the previous tick (its events have passed the 20 ms
 * batching and reached the outbox since) once the outbox is synced, unless it is refusing writes.
 */
export function startJournalCheckpointTimer(context: JournalCheckpointTimerContext): void {
  const { writer, holds, stopOnFailure, logger } = context;
  const checkpoints = new JournalCheckpoints({
    journal: context.journal,
    outbox: context.outbox,
    watermark: (now) => holds.watermark(now),
    eventsWaiting: () => writer.waiting,
    contextMs: context.contextMs,
    onSyncFailure: (error) => stopOnFailure("the outbox could not be synced to disk", error),
    onCheckpointFailure: (error) => logger.warn({ err: error.message }, "journal checkpoint failed"),
  });
  const checkpointTimer = setInterval(() => void checkpoints.tick(), 500);
  checkpointTimer.unref();
  context.closers.push(async () => clearInterval(checkpointTimer));
}
