import { describeIssues } from "../device-messages.js";
import { ErrorCode } from "../errors.js";
import { safeParseUntrusted } from "../safe-parse.js";
import type { ReaderFormat } from "../site-layout.js";
import { detectFromEvent } from "./detect-reader-format.js";
import type { EventOutcome } from "./event-outcome.js";
import { frameEvents, type ReaderPayloadOptions } from "./frame-events.js";
import { readGenericEvent } from "./generic-event.js";
import { readImpinjEvent } from "./impinj-event.js";
import {
  MAX_READER_READS,
  type ReaderNotice,
  type ReaderRead,
  ReaderRead as ReaderReadSchema,
  type ReaderResult,
} from "./reader-result.js";
import { readZebraEvent } from "./zebra-event.js";

const READERS = {
  generic: (event) => readGenericEvent(event),
  zebra: (event) => readZebraEvent(event),
  impinj: (event, index) => readImpinjEvent(event, index),
} as const satisfies Record<ReaderFormat, (event: unknown, index: number) => EventOutcome>;

/**
 * Parses a reader's payload in a vendor dialect (or `"detect"`: the dialect
 * its first event looks like, see `detectReaderFormat`) into Tally's
 * normalised tag reads. Framing: one JSON object, a JSON array of events, or one event per
 * line (NDJSON). Limits: `opts.maxBytes` (default `MAX_DEVICE_MESSAGE_BYTES`),
 * `MAX_READER_EVENTS` events and `MAX_READER_READS` reads per payload.
 *
 * All or nothing: if any event is malformed (wrong types, bad EPC, antenna or
 * RSSI out of range, unparseable time), the whole payload is refused with the
 * 0-based `index` of the first bad event, so nothing is half-applied and the
 * dead letter holds the payload as received. Events that are well formed but
 * not tag reads are counted in `skipped`; an Impinj `overflowEvent` becomes a
 * `reader-overflow` notice. Never throws.
 */
export function parseReaderPayload(
  format: ReaderFormat | "detect",
  payload: Uint8Array | string,
  opts?: ReaderPayloadOptions,
): ReaderResult {
  const framed = frameEvents(payload, opts);
  if (!framed.ok) return framed;
  if (format === "detect") {
    // One parse serves detection and reading; an unrecognised payload is read as generic and refused as such.
    return readFramed(detectFromEvent(framed.value[0]) ?? "generic", framed.value);
  }
  return readFramed(format, framed.value);
}

function readFramed(format: ReaderFormat, events: unknown[]): ReaderResult {
  const readEvent = READERS[format];
  let reads: ReaderRead[] = [];
  const notices: ReaderNotice[] = [];
  let skipped = 0;
  for (let index = 0; index < events.length; index++) {
    const outcome = readEvent(events[index], index);
    switch (outcome.kind) {
      case "reads":
        // Most payloads are one event: take its reads as they are.
        if (reads.length === 0) reads = outcome.reads;
        else reads.push(...outcome.reads);
        break;
      case "notice":
        notices.push(outcome.notice);
        break;
      case "skip":
        skipped += 1;
        break;
      case "invalid":
        return refuse(`${format} event ${index}: ${outcome.reason}`, index);
      default:
        return assertNever(outcome);
    }
    if (reads.length > MAX_READER_READS) {
      return refuse(`more than ${MAX_READER_READS} reads in one payload`, index);
    }
  }
  // A last guard that every read meets the generic contract, whatever the dialect; generic reads were
  // just validated against that very schema.
  for (const [i, read] of format === "generic" ? [] : reads.entries()) {
    const checked = safeParseUntrusted(ReaderReadSchema, read);
    if (!checked.success) return refuse(`${format} read ${i}: ${describeIssues(checked.error)}`);
  }
  return { ok: true, value: { format, reads, skipped, notices } };
}

function refuse(reason: string, index?: number): ReaderResult {
  return {
    ok: false,
    error:
      index === undefined
        ? { code: ErrorCode.MessageSchema, reason }
        : { code: ErrorCode.MessageSchema, reason, index },
  };
}

function assertNever(value: never): never {
  throw new Error(`unexpected outcome ${JSON.stringify(value)}`);
}
