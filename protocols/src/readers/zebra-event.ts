import { z } from "zod";
import { describeIssues } from "../device-messages.js";
import { safeParseUntrusted } from "../safe-parse.js";
import type { EventOutcome } from "./event-outcome.js";
import type { ReaderRead } from "./reader-result.js";
import { normaliseReaderTimestamp } from "./reader-timestamp.js";

/*
 * Zebra FX7500 / FX9600 / ATR7000 (and FXR90) IoT Connector, data interface.
 * Each event is an envelope { type, timestamp, data }:
 *   {"type":"SIMPLE","timestamp":"2026-01-01T12:00:00.123+0000",
 *    "data":{"eventNum":1,"format":"epc","idHex":"3074…","antenna":1,"peakRssi":-56,"reads":1,"channel":915.25}}
 * `type` is the operating mode (SIMPLE, INVENTORY, PORTAL, CONVEYOR, CUSTOM…);
 * the fields in `data` are those selected in the mode's `tagMetaData`
 * (ANTENNA, RSSI in dBm, CHANNEL in MHz, SEEN_COUNT as `reads`, PC, CRC, TID,
 * USER, MAC…). Management events (heartbeat, gpi, errors, warnings) share
 * the envelope without `data.idHex`.
 * Sources: Zebra IoT Connector documentation,
 * https://zebradevs.github.io/rfid-ziotc-docs/ (introduction; "TagStorage
 * Settings" for tagMetaData); ZebraDevs/RFID-IoTConnector-MQTT-dotnet-DockDoorSample
 * (TagReadEvent: eventNum, format, idHex); reelyactive/barnowl-zebra
 * (lib/zebradecoder.js, lib/testlistener.js: envelope, MAC, peakRssi, reads, `+0000` offsets).
 */

const HexId = z
  .string()
  .regex(/^[0-9A-Fa-f]+$/, "must be hexadecimal")
  .min(8)
  .max(124);

/** Zebra's envelope, common to tag data and management events. Unknown fields are kept out, not refused. */
export const ZebraEnvelope = z.looseObject({
  type: z.string().min(1).max(64),
  timestamp: z.string().max(64),
});

/** `data` of a Zebra tag data event. Antenna and RSSI must be enabled in the operating mode's tagMetaData. */
export const ZebraTagData = z.looseObject({
  idHex: HexId,
  /** `epc` when idHex holds the EPC bank; other formats (`tid`) are skipped. */
  format: z.string().max(32).optional(),
  eventNum: z.number().int().min(0).optional(),
  antenna: z.number({ error: "antenna missing: enable ANTENNA in tagMetaData" }).int().min(1).max(64),
  /** dBm. */
  peakRssi: z.number({ error: "peakRssi missing: enable RSSI in tagMetaData" }).min(-120).max(0),
  /** Times the tag was seen since its previous report (SEEN_COUNT). */
  reads: z.number().int().min(0).optional(),
  /** MHz. */
  channel: z.number().optional(),
  MAC: z.string().min(1).max(64).optional(),
  hostName: z.string().min(1).max(253).optional(),
  hostname: z.string().min(1).max(253).optional(),
});
export type ZebraTagData = z.infer<typeof ZebraTagData>;

/** Maps one Zebra IoT Connector event to reads, a skip, or the reason it is invalid. */
export function readZebraEvent(event: unknown): EventOutcome {
  const envelope = safeParseUntrusted(ZebraEnvelope, event);
  if (!envelope.success) return { kind: "invalid", reason: `not a Zebra event: ${describeIssues(envelope.error)}` };
  const data = envelope.data.data;
  // Only tag data carries idHex; heartbeats, GPI and the like are counted, not refused.
  if (typeof data !== "object" || data === null || Array.isArray(data) || !Object.hasOwn(data, "idHex")) {
    return { kind: "skip" };
  }
  const tag = safeParseUntrusted(ZebraTagData, data);
  if (!tag.success) return { kind: "invalid", reason: `Zebra tag data: ${describeIssues(tag.error)}` };
  if (tag.data.format !== undefined && tag.data.format.toLowerCase() !== "epc") return { kind: "skip" };
  const readAt = normaliseReaderTimestamp(envelope.data.timestamp);
  if (readAt === undefined) return { kind: "invalid", reason: `timestamp: not ISO 8601: ${envelope.data.timestamp}` };
  const reader = tag.data.hostName ?? tag.data.hostname ?? tag.data.MAC;
  const read: ReaderRead = {
    epc: tag.data.idHex.toUpperCase(),
    antenna: tag.data.antenna,
    rssi: tag.data.peakRssi,
    readAt,
    ...(reader === undefined ? {} : { reader }),
  };
  return { kind: "reads", reads: [read] };
}
