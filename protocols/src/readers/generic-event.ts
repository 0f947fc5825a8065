import { describeIssues, TagReadMessage } from "../device-messages.js";
import { safeParseUntrusted } from "../safe-parse.js";
import type { EventOutcome } from "./event-outcome.js";
import type { ReaderRead } from "./reader-result.js";
import { canonicalTimestampMs, normaliseReaderTimestamp } from "./reader-timestamp.js";

/**
 * Maps one Tally generic `TagReadMessage` (`{ reads: [{ epc, antenna, rssi, readAt }] }`,
 * see device-messages.ts) to normalised reads: EPC upper-case, `readAt` in UTC.
 *
 * Most messages (every one Tally's devices send) are checked by hand, without
 * the schema; anything the hand check is not sure of goes through the schema,
 * so the result, and every refusal's reason, is the schema's.
 */
export function readGenericEvent(event: unknown): EventOutcome {
  return readCanonicalGenericEvent(event) ?? readGenericEventBySchema(event);
}

/** The reference path: the `TagReadMessage` schema, then each `readAt` normalised. */
export function readGenericEventBySchema(event: unknown): EventOutcome {
  const parsed = safeParseUntrusted(TagReadMessage, event);
  if (!parsed.success) return { kind: "invalid", reason: `read message: ${describeIssues(parsed.error)}` };
  const reads = [];
  for (const [i, read] of parsed.data.reads.entries()) {
    const readAt = normaliseReaderTimestamp(read.readAt);
    if (readAt === undefined) return { kind: "invalid", reason: `reads.${i}.readAt: not a valid date: ${read.readAt}` };
    reads.push({ ...read, epc: read.epc.toUpperCase(), readAt });
  }
  return { kind: "reads", reads };
}

const READ_KEYS = new Set(["epc", "antenna", "rssi", "readAt"]);

/**
 * The fast path: a message that meets `TagReadMessage` with every `readAt`
 * already canonical UTC (`2026-01-01T12:00:00.123Z`), read without zod; for
 * anything else, `undefined`. Every check here is at least as strict as the
 * schema's (strict objects by `for…in`, as zod does), so whatever it accepts
 * the schema accepts too, with the same result.
 */
function readCanonicalGenericEvent(event: unknown): EventOutcome | undefined {
  if (typeof event !== "object" || event === null || Array.isArray(event)) return undefined;
  let keys = 0;
  for (const key in event) {
    if (key !== "reads") return undefined;
    keys++;
  }
  const list = keys === 1 ? (event as { reads: unknown }).reads : undefined;
  if (!Array.isArray(list) || list.length < 1 || list.length > 1000) return undefined;
  const reads: ReaderRead[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const read = canonicalRead(list[i]);
    if (read === undefined) return undefined;
    reads[i] = read;
  }
  return { kind: "reads", reads };
}

function canonicalRead(value: unknown): ReaderRead | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  let keys = 0;
  for (const key in value) {
    if (!READ_KEYS.has(key)) return undefined;
    keys++;
  }
  if (keys !== 4) return undefined;
  const { epc, antenna, rssi, readAt } = value as Record<string, unknown>;
  if (typeof antenna !== "number" || !Number.isInteger(antenna) || antenna < 1 || antenna > 64) return undefined;
  if (typeof rssi !== "number" || !(rssi >= -120 && rssi <= 0)) return undefined;
  if (typeof readAt !== "string" || canonicalTimestampMs(readAt) === undefined) return undefined;
  const upper = upperHex(epc);
  if (upper === undefined) return undefined;
  return { epc: upper, antenna, rssi, readAt };
}

/** `epc` upper-cased when it is 8 to 124 hex digits (the schema's rule), else undefined; no copy when already upper-case. */
function upperHex(epc: unknown): string | undefined {
  if (typeof epc !== "string" || epc.length < 8 || epc.length > 124) return undefined;
  let lower = false;
  for (let i = 0; i < epc.length; i++) {
    const c = epc.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 70)) continue;
    if (c >= 97 && c <= 102) lower = true;
    else return undefined;
  }
  return lower ? epc.toUpperCase() : epc;
}
