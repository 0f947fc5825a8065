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
  // Own properties only, and no closures: this runs on every message of a portal whose format is not named.
  const event = first as Record<string, unknown>;
  if (Array.isArray(ownField(event, "reads"))) return "generic";
  if (typeof ownField(event, "eventType") === "string" || Object.hasOwn(event, "tagInventoryEvent")) return "impinj";
  if (Object.hasOwn(event, "overflowEvent")) return "impinj";
  if (typeof ownField(event, "type") === "string" && typeof ownField(event, "timestamp") === "string") return "zebra";
  return undefined;
}

function ownField(event: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(event, key) ? event[key] : undefined;
}
