import { z } from "zod";
import { Timestamp } from "./device-messages.js";
import { ErrorCode } from "./errors.js";
import { type ReadingColumns, readingColumnsProblem, readingCount } from "./reading-columns.js";
import { readingColumnsJsonSchema } from "./reading-columns-schema.js";

/** Most events in one batch. */
export const MAX_BATCH_EVENTS = 5000;
/** Largest batch payload accepted, in bytes. */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Edge → cloud: a batch of events, the same over MQTT and `POST /v1/ingest`.
 * `events` is validated one by one so that one bad event does not sink the
 * batch; see `EdgeEvent`. Plain sensor readings may travel as columns in
 * `readings` instead (see `ReadingColumns`), each reading also checked on
 * its own; a reading's index in the batch counts on from the last event's.
 * Events and readings together: at least one, at most `MAX_BATCH_EVENTS`.
 */
export const EdgeBatch = z
  .object({
    v: z.literal(1),
    edgeId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
    siteId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
    batchId: z.uuid(),
    /** Per-edge sequence number, increasing by one per batch, kept across the edge's restarts. */
    seq: z.number().int().min(0),
    /** The edge process sending (new at every start): two processes sending as one edge are told apart by it. */
    instanceId: z.uuid().optional(),
    /**
     * The seq of the batch this edge process sent before this one that was
     * still unacknowledged when this one was sent: the cloud commits this
     * batch only after that one. Absent when nothing earlier was in flight
     * (always, for an edge with an uplink window of 1, so an older cloud
     * without the field still accepts its batches).
     */
    after: z.number().int().min(0).optional(),
    sentAt: Timestamp,
    events: z.array(z.unknown()).max(MAX_BATCH_EVENTS),
    /**
     * Plain sensor readings as columns; absent from an edge that sends every reading as an event. Its shape is
     * checked by hand below (no object per reading); the metadata only describes it in the OpenAPI document.
     */
    readings: z.custom<ReadingColumns>().meta(readingColumnsJsonSchema()).optional(),
  })
  .strict()
  .superRefine((batch, ctx) => {
    const problem = batch.readings === undefined ? undefined : readingColumnsProblem(batch.readings);
    if (problem !== undefined) {
      ctx.addIssue({ code: "custom", message: problem, path: ["readings"] });
      return;
    }
    const total = batch.events.length + readingCount(batch.readings);
    if (total === 0) ctx.addIssue({ code: "custom", message: "a batch holds at least one event", path: ["events"] });
    if (total > MAX_BATCH_EVENTS) {
      const message = `a batch holds at most ${MAX_BATCH_EVENTS} events and readings, not ${total}`;
      ctx.addIssue({ code: "custom", message, path: ["events"] });
    }
  });
export type EdgeBatch = z.infer<typeof EdgeBatch>;

/** One event the cloud refused, with why. */
export const EventRejection = z
  .object({
    id: z.string().optional(),
    index: z.number().int().min(0),
    code: z.enum(ErrorCode),
    reason: z.string(),
  })
  .strict();
export type EventRejection = z.infer<typeof EventRejection>;

/**
 * Cloud → edge: sent only after the database commit. `committed` are the ids
 * newly applied, `duplicates` those already in the ledger; both may leave the
 * outbox. `rejected` events will never be accepted as they are. For a batch
 * with `readings`, the readings are not listed one by one: `readings.committed`
 * counts those taken, which are every reading of the batch that `rejected`
 * does not name.
 */
export const CommitAck = z
  .object({
    v: z.literal(1),
    edgeId: z.string(),
    batchId: z.string(),
    seq: z.number().int().min(0),
    status: z.enum(["committed", "rejected"]),
    committed: z.array(z.string()),
    duplicates: z.array(z.string()),
    rejected: z.array(EventRejection),
    readings: z
      .object({ committed: z.number().int().min(0) })
      .strict()
      .optional(),
    committedAt: Timestamp,
  })
  .strict();
export type CommitAck = z.infer<typeof CommitAck>;
