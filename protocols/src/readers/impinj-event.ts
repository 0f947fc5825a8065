import { z } from "zod";
import { describeIssues } from "../device-messages.js";
import { safeParseUntrusted } from "../safe-parse.js";
import type { EventOutcome } from "./event-outcome.js";
import type { ReaderNotice, ReaderRead } from "./reader-result.js";
import { normaliseReaderTimestamp } from "./reader-timestamp.js";

/*
 * Impinj R700 / R660 / R720 IoT device interface, the events it delivers over
 * MQTT, webhooks (a JSON array) and the HTTP stream (NDJSON):
 *   {"timestamp":"2026-01-01T12:00:00.123456789Z","hostname":"impinj-12-34-56","eventType":"tagInventory",
 *    "tagInventoryEvent":{"epc":"MHQle/cZTkAAABqF","epcHex":"3074257BF7194E4000001A85","antennaPort":1,
 *      "antennaName":"Antenna 1","peakRssiCdbm":-5600,"frequency":915250,"transmitPowerCdbm":3000,
 *      "lastSeenTime":"2026-01-01T12:00:00.120Z"}}
 * ReaderEvent: `eventType` names the one `<eventType>Event` property present
 * (tagInventory, antennaConnected, antennaDisconnected, inventoryStatus,
 * antennaActivation, overflow, …); `timestamp` is when the event was queued.
 * TagInventoryEvent: `epc` is base64 and `epcHex` hex (each enabled in
 * eventConfig.tagInventory), `peakRssiCdbm` in centi-dBm, `frequency` in kHz.
 * OverflowEvent: firstEventTimestamp, lastEventTimestamp, eventsPurged, eventsRemaining.
 * Sources: Impinj Reader Configuration API (IoT device interface) v1.7 models
 * ReaderEvent, TagInventoryEvent, OverflowEvent, as generated in
 * saji-ttarius/impinj-reader-config-api-v1.7.0 (docs/*.md); reelyactive/barnowl-impinj
 * lib/impinjdecoder.js (eventType, hostname, peakRssiCdbm / 100, lastSeenTime).
 */

const Base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Impinj's ReaderEvent envelope. Older firmware omits `eventType`; it is then inferred. */
export const ImpinjEnvelope = z.looseObject({
  eventType: z.string().min(1).max(64).optional(),
  timestamp: z.string().max(64),
  hostname: z.string().min(1).max(253).optional(),
});

/** Impinj TagInventoryEvent: the fields Tally uses are checked, the rest pass through. */
export const ImpinjTagInventoryEvent = z
  .looseObject({
    /** EPC, base64. */
    epc: z.string().max(200).regex(Base64, "epc must be base64").optional(),
    /** EPC, hexadecimal. */
    epcHex: z
      .string()
      .regex(/^[0-9A-Fa-f]+$/, "epcHex must be hexadecimal")
      .min(8)
      .max(124)
      .optional(),
    antennaPort: z.number({ error: "antennaPort missing: enable it in eventConfig.tagInventory" }).int().min(1).max(64),
    antennaName: z.string().max(200).optional(),
    /** Centi-dBm: -5600 is -56 dBm. */
    peakRssiCdbm: z
      .number({ error: "peakRssiCdbm missing: enable it in eventConfig.tagInventory" })
      .int()
      .min(-12_000)
      .max(0),
    /** kHz. */
    frequency: z.number().optional(),
    transmitPowerCdbm: z.number().optional(),
    lastSeenTime: z.string().max(64).optional(),
  })
  .refine((e) => e.epc !== undefined || e.epcHex !== undefined, "neither epc nor epcHex: enable one in eventConfig");
export type ImpinjTagInventoryEvent = z.infer<typeof ImpinjTagInventoryEvent>;

/** Impinj OverflowEvent: the reader purged events from its buffer. */
export const ImpinjOverflowEvent = z.looseObject({
  firstEventTimestamp: z.string().max(64).optional(),
  lastEventTimestamp: z.string().max(64).optional(),
  eventsPurged: z.number().int().min(0).optional(),
  eventsRemaining: z.number().int().min(0).optional(),
});

/** Maps one Impinj IoT device interface event to reads, a notice, a skip, or the reason it is invalid. */
export function readImpinjEvent(event: unknown, index: number): EventOutcome {
  const envelope = safeParseUntrusted(ImpinjEnvelope, event);
  if (!envelope.success) return { kind: "invalid", reason: `not an Impinj event: ${describeIssues(envelope.error)}` };
  const e = envelope.data;
  const eventType = e.eventType ?? inferEventType(e);
  if (eventType === undefined) return { kind: "invalid", reason: "not an Impinj event: no eventType" };
  const at = normaliseReaderTimestamp(e.timestamp);
  if (at === undefined) return { kind: "invalid", reason: `timestamp: not ISO 8601: ${e.timestamp}` };
  const reader = e.hostname;
  switch (eventType) {
    case "tagInventory":
      return tagInventory(e.tagInventoryEvent, at, reader);
    case "overflow":
      return overflow(e.overflowEvent, at, reader, index);
    default:
      return { kind: "skip" };
  }
}

function inferEventType(e: Record<string, unknown>): string | undefined {
  if (Object.hasOwn(e, "tagInventoryEvent")) return "tagInventory";
  if (Object.hasOwn(e, "overflowEvent")) return "overflow";
  return undefined;
}

function tagInventory(value: unknown, at: string, reader: string | undefined): EventOutcome {
  const parsed = safeParseUntrusted(ImpinjTagInventoryEvent, value);
  if (!parsed.success) return { kind: "invalid", reason: `tagInventoryEvent: ${describeIssues(parsed.error)}` };
  const t = parsed.data;
  const fromBase64 = t.epc === undefined ? undefined : Buffer.from(t.epc, "base64").toString("hex").toUpperCase();
  if (fromBase64 !== undefined && (fromBase64.length < 8 || fromBase64.length > 124)) {
    return { kind: "invalid", reason: `tagInventoryEvent.epc: ${fromBase64.length / 2} bytes; expected 4 to 62` };
  }
  const epcHex = t.epcHex?.toUpperCase();
  if (fromBase64 !== undefined && epcHex !== undefined && fromBase64 !== epcHex) {
    return { kind: "invalid", reason: "tagInventoryEvent: epc (base64) and epcHex disagree" };
  }
  const epc = epcHex ?? fromBase64;
  if (epc === undefined) return { kind: "invalid", reason: "tagInventoryEvent: no EPC" };
  let readAt = at;
  if (t.lastSeenTime !== undefined) {
    const seen = normaliseReaderTimestamp(t.lastSeenTime);
    if (seen === undefined) return { kind: "invalid", reason: `lastSeenTime: not ISO 8601: ${t.lastSeenTime}` };
    readAt = seen;
  }
  const read: ReaderRead = {
    epc,
    antenna: t.antennaPort,
    rssi: t.peakRssiCdbm / 100,
    readAt,
    ...(reader === undefined ? {} : { reader }),
  };
  return { kind: "reads", reads: [read] };
}

function overflow(value: unknown, at: string, reader: string | undefined, index: number): EventOutcome {
  const parsed = safeParseUntrusted(ImpinjOverflowEvent, value ?? {});
  if (!parsed.success) return { kind: "invalid", reason: `overflowEvent: ${describeIssues(parsed.error)}` };
  const o = parsed.data;
  const notice: ReaderNotice = { kind: "reader-overflow", index, at };
  if (reader !== undefined) notice.reader = reader;
  if (o.eventsPurged !== undefined) notice.eventsPurged = o.eventsPurged;
  if (o.eventsRemaining !== undefined) notice.eventsRemaining = o.eventsRemaining;
  for (const [field, key] of [
    ["firstEventTimestamp", "firstPurgedAt"],
    ["lastEventTimestamp", "lastPurgedAt"],
  ] as const) {
    const raw = o[field];
    if (raw === undefined) continue;
    const normalised = normaliseReaderTimestamp(raw);
    if (normalised === undefined) return { kind: "invalid", reason: `overflowEvent.${field}: not ISO 8601: ${raw}` };
    notice[key] = normalised;
  }
  return { kind: "notice", notice };
}
