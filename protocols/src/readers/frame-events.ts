import { MAX_DEVICE_MESSAGE_BYTES } from "../device-messages.js";
import type { Result } from "../errors.js";
import { ErrorCode, ok } from "../errors.js";
import { MAX_READER_EVENTS, type ReaderRejection } from "./reader-result.js";

/** Options shared by the reader payload functions. */
export interface ReaderPayloadOptions {
  /** Largest payload accepted, bytes; default `MAX_DEVICE_MESSAGE_BYTES` (256 KiB). */
  maxBytes?: number;
}

const refuse = (code: ReaderRejection["code"], reason: string, index?: number): Result<never, ReaderRejection> => ({
  ok: false,
  error: index === undefined ? { code, reason } : { code, reason, index },
});

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Splits a raw reader payload into its events, whatever the framing: one JSON
 * object, a JSON array of objects (Impinj webhooks, batched MQTT), or one
 * object per line (NDJSON: Impinj's HTTP stream, relays that forward line by
 * line). Checks the size first and never throws. Events are returned unchecked.
 */
export function frameEvents(
  payload: Uint8Array | string,
  opts?: ReaderPayloadOptions,
): Result<unknown[], ReaderRejection> {
  const maxBytes = opts?.maxBytes ?? MAX_DEVICE_MESSAGE_BYTES;
  const bytes = typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength;
  if (bytes > maxBytes) {
    return refuse(ErrorCode.MessageTooLarge, `payload is ${bytes} bytes; the limit is ${maxBytes}`);
  }
  let text: string;
  try {
    // fatal: invalid UTF-8 is refused rather than silently turned into U+FFFD.
    text = typeof payload === "string" ? payload : utf8.decode(payload);
  } catch {
    return refuse(ErrorCode.MessageNotJson, "not UTF-8");
  }
  const trimmed = (text.charCodeAt(0) === 0xfeff /* BOM */ ? text.slice(1) : text).trim();
  if (trimmed === "") return refuse(ErrorCode.MessageNotJson, "empty payload");

  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch (cause) {
    // A broken array or a single line is not NDJSON; report the parser's own complaint.
    if (trimmed.startsWith("[") || !trimmed.includes("\n")) {
      return refuse(ErrorCode.MessageNotJson, `not JSON: ${messageOf(cause)}`);
    }
    return frameLines(trimmed);
  }
  if (Array.isArray(whole)) return withinLimit(whole);
  if (typeof whole === "object" && whole !== null) return ok([whole]);
  return refuse(
    ErrorCode.MessageSchema,
    "expected an event object, a JSON array of events, or one event object per line (NDJSON)",
  );
}

function frameLines(text: string): Result<unknown[], ReaderRejection> {
  const events: unknown[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    if (events.length === MAX_READER_EVENTS) return tooMany(`more than ${MAX_READER_EVENTS}`);
    try {
      events.push(JSON.parse(line));
    } catch (cause) {
      return refuse(ErrorCode.MessageNotJson, `line ${i + 1}: not JSON: ${messageOf(cause)}`, events.length);
    }
  }
  return ok(events);
}

function withinLimit(events: unknown[]): Result<unknown[], ReaderRejection> {
  if (events.length === 0) return refuse(ErrorCode.MessageSchema, "no events: the array is empty");
  if (events.length > MAX_READER_EVENTS) return tooMany(String(events.length));
  return ok(events);
}

const tooMany = (count: string) =>
  refuse(ErrorCode.MessageSchema, `${count} events in one payload; the limit is ${MAX_READER_EVENTS}`);

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
