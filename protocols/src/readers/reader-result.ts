import { z } from "zod";
import { TagRead } from "../device-messages.js";
import type { Rejection, Result } from "../errors.js";
// The dialects are the ones a site file may name for a portal (`RfidPortalDevice.format`).
import type { ReaderFormat } from "../site-layout.js";

/** Most events (tag reads, heartbeats, overflow notices…) accepted in one payload. */
export const MAX_READER_EVENTS = 1000;

/** Most tag reads accepted in one payload, the same bound as `TagReadMessage`. */
export const MAX_READER_READS = 1000;

/**
 * One tag read after normalisation: Tally's generic `TagRead` (EPC upper-case
 * hex, antenna 1-based, RSSI in dBm, `readAt` in UTC with milliseconds) plus
 * the reader that reported it, when the vendor payload names one.
 */
export const ReaderRead = TagRead.extend({
  /** Reader hostname, or its MAC address when that is all the payload carries. */
  reader: z.string().min(1).max(253).optional(),
});
export type ReaderRead = z.infer<typeof ReaderRead>;

/**
 * Something a reader reported that is not a tag read but must not be dropped
 * silently. `reader-overflow`: the reader's event buffer overflowed and it
 * purged events, so reads were lost (Impinj `overflowEvent`).
 */
export interface ReaderOverflowNotice {
  kind: "reader-overflow";
  /** 0-based position of the event in the payload. */
  index: number;
  reader?: string;
  /** When the reader queued the notice, ISO 8601 UTC. */
  at: string;
  /** Number of events the reader purged from its buffer. */
  eventsPurged?: number;
  /** Number of events left in the buffer after the purge. */
  eventsRemaining?: number;
  /** Timestamp of the first purged event, ISO 8601 UTC. */
  firstPurgedAt?: string;
  /** Timestamp of the last purged event, ISO 8601 UTC. */
  lastPurgedAt?: string;
}
export type ReaderNotice = ReaderOverflowNotice;

/** A reader payload after parsing: the reads, and what was not a read. */
export interface ReaderPayload {
  format: ReaderFormat;
  reads: ReaderRead[];
  /** Events understood but not tag reads (heartbeats, GPI, antenna and inventory status…), counted and dropped. */
  skipped: number;
  /** Events that are not reads but matter downstream (reader buffer overflow). */
  notices: ReaderNotice[];
}

/** A refused reader payload; `index` is the 0-based position of the first bad event, when one is to blame. */
export interface ReaderRejection extends Rejection {
  index?: number;
}

/** What `parseReaderPayload` returns; it never throws. */
export type ReaderResult = Result<ReaderPayload, ReaderRejection>;
