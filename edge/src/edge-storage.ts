import { join } from "node:path";
import type { Logger } from "pino";
import { MemoryOutbox } from "./adapters/memory-outbox.js";
import { SqliteJournal } from "./adapters/sqlite-journal.js";
import { SqliteOutbox } from "./adapters/sqlite-outbox.js";
import { SqliteParkedTags } from "./adapters/sqlite-parked-tags.js";
import { SqliteTagCrossings } from "./adapters/sqlite-tag-crossings.js";
import type { SiteIndex } from "./domain/site-index.js";
import { type TagMemory, whereaboutsOf } from "./domain/tag-whereabouts.js";
import type { EdgeOptions } from "./edge-options.js";
import type { EdgePipelineConfig } from "./pipelines/edge-pipeline.js";
import { MemoryParkedTags, type ParkedTagStore } from "./pipelines/tag-memory.js";
import type { DeviceJournal } from "./ports/device-journal.js";
import type { Outbox } from "./ports/outbox.js";
import { outboxPlatter } from "./testing/outbox-platter.js";

/** What the edge keeps of what it was given: the outbox, the device journal and the RFID pipelines' memory. */
export interface EdgeStorage {
  outbox: Outbox;
  /** Only with a data folder: device messages are journalled (and replayed) then. */
  journal: DeviceJournal | undefined;
  /** What the RFID pipelines knew of tags before the restart: each tag's last crossing and where its goods went. */
  tagMemory: TagMemory;
  parkedTags: ParkedTagStore;
}

export interface EdgeStorageContext {
  options: EdgeOptions;
  siteIndex: SiteIndex;
  pipelineConfig: EdgePipelineConfig;
  logger: Logger;
  /** Where each store's close is pushed as soon as it is open (the edge closes them in reverse). */
  closers: (() => Promise<void>)[];
  /** Called when the journal's writer thread dies: the edge stops. */
  stopOnFailure: (what: string, error: Error) => void;
}

/**
 * The edge's storage: on disk under `${dataDir}/edge/${edgeId}/` (outbox with the tag crossings written by
 * the same appends, parked tags, device journal), or an outbox in memory and no journal without a data folder.
 */
export async function openEdgeStorage(context: EdgeStorageContext): Promise<EdgeStorage> {
  const { options, siteIndex, pipelineConfig, logger, closers, stopOnFailure } = context;
  const { edgeId } = options;
  let outbox: Outbox;
  let journal: DeviceJournal | undefined;
  let tagMemory: TagMemory = { tags: [], skuMoves: [] };
  let parkedTags: ParkedTagStore = new MemoryParkedTags();
  if (options.dataDir !== undefined) {
    const edgeDir = join(options.dataDir, "edge", edgeId);
    let crossings: SqliteTagCrossings | undefined;
    const durable = new SqliteOutbox(join(edgeDir, "outbox.db"), {
      maxBytes: options.outboxMaxBytes ?? 512 * 1024 * 1024,
      maxAgeMs: options.outboxMaxAgeMs ?? 7 * 24 * 3600 * 1000,
      ...(options.outboxMaxDeadLetters !== undefined ? { maxDeadLetters: options.outboxMaxDeadLetters } : {}),
      ...(options.outboxPageLimit !== undefined ? { maxPageCount: options.outboxPageLimit } : {}),
      // Appends are not fsync'd on their own: the journal keeps their messages until a sync (decision 0190).
      durability: "sync",
      ...(options.outboxPlatterDir !== undefined
        ? { onDurable: outboxPlatter(join(edgeDir, "outbox.db"), options.outboxPlatterDir).keep }
        : {}),
      // Written by the append that queues the movement: the memory that a tag moved is never ahead of or
      // behind the movement itself, whenever the process dies.
      alongside: (db) => {
        crossings = new SqliteTagCrossings(
          db,
          (event) => whereaboutsOf(siteIndex, event),
          pipelineConfig.reads.maxTags,
        );
        return crossings;
      },
    });
    closers.push(async () => durable.close());
    outbox = durable;
    if (durable.depth() > 0) logger.info({ pending: durable.depth() }, "outbox has events from before the restart");
    tagMemory = crossings?.load() ?? tagMemory;
    if (tagMemory.tags.length > 0) {
      logger.info({ tags: tagMemory.tags.length }, "tag crossings remembered from before the restart");
    }
    const parked = new SqliteParkedTags(join(edgeDir, "parked-tags.db"), {
      onError: (error) => logger.warn({ err: error.message }, "parked-tag memory write failed"),
    });
    closers.push(async () => parked.close());
    parkedTags = parked;
    const deviceJournal = new SqliteJournal(join(options.dataDir, "edge", edgeId, "journal.db"), {
      onWriterFailure: (error) => stopOnFailure("the device journal's writer thread stopped", error),
      ...(options.onJournalWriter !== undefined ? { onWriterStarted: options.onJournalWriter } : {}),
    });
    closers.push(async () => deviceJournal.close());
    journal = deviceJournal;
    await deviceJournal.ready();
  } else {
    outbox = new MemoryOutbox(
      options.outboxMaxDeadLetters !== undefined ? { maxDeadLetters: options.outboxMaxDeadLetters } : {},
    );
  }
  return { outbox, journal, tagMemory, parkedTags };
}
