import type { ReaderFormat } from "../site-layout.js";
import { frameEvents, type ReaderPayloadOptions } from "./frame-events.js";

/**
 * Guesses a payload's dialect from its first event, for sites whose file does
 * not name the reader format: `reads` array → generic; `eventType` or an Impinj
 * event property → impinj; a `type` + `timestamp` envelope → zebra. Returns
 * `undefined` when the payload is refused by size or framing, or matches none.
 * A guess only: parse with `parseReaderPayload` afterwards. Never throws.
 */
export function detectReaderFormat(
  payload: Uint8Array | string,
  opts?: ReaderPayloadOptions,
): ReaderFormat | undefined {
  const framed = frameEvents(payload, opts);
  if (!framed.ok) return undefined;
  return detectFromEvent(framed.value[0]);
}

/** The dialect of one already framed event (see `detectReaderFormat`). */
export function detectFromEvent(first: unknown): ReaderFormat | undefined {
  if (typeof first !== "object" || first === null || Array.isArray(first)) return undefined;
  const has = (key: string) => Object.hasOwn(first, key);
  const field = (key: string): unknown => (has(key) ? (first as Record<string, unknown>)[key] : undefined);
  if (Array.isArray(field("reads"))) return "generic";
  if (typeof field("eventType") === "string" || has("tagInventoryEvent") || has("overflowEvent")) return "impinj";
  if (typeof field("type") === "string" && typeof field("timestamp") === "string") return "zebra";
  return undefined;
}
