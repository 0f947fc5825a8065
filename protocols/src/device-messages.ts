import { z } from "zod";
import { ErrorCode, ok, type Rejection, type Result, rejected } from "./errors.js";
import { hasValidCheckDigit } from "./gs1/check-digit.js";
import { safeParseUntrusted } from "./safe-parse.js";
import type { DeviceChannel } from "./topics.js";

/** Largest device message accepted, in bytes. Larger ones are dead-lettered unparsed. */
export const MAX_DEVICE_MESSAGE_BYTES = 256 * 1024;

/** An ISO 8601 timestamp with a zone (`Z` or an offset). */
export const Timestamp = z.iso.datetime({ offset: true });

/** One RFID tag read, in Tally's generic form. */
export const TagRead = z
  .object({
    /** EPC bank contents as hex (96 to 496 bits). */
    epc: z
      .string()
      .regex(/^[0-9A-Fa-f]+$/, "EPC must be hexadecimal")
      .min(8)
      .max(124),
    /** Antenna port, 1-based. */
    antenna: z.number().int().min(1).max(64),
    /** Received signal strength, dBm. */
    rssi: z.number().min(-120).max(0),
    readAt: Timestamp,
  })
  .strict();
export type TagRead = z.infer<typeof TagRead>;

/** `tally/v1/{site}/dev/{device}/read`: one or more tag reads from a portal. */
export const TagReadMessage = z.object({ reads: z.array(TagRead).min(1).max(1000) }).strict();
export type TagReadMessage = z.infer<typeof TagReadMessage>;

/** What an operator meant by a scan. */
export const ScanAction = z.enum([
  "RECEIPT",
  "PUTAWAY",
  "PICK",
  "COUNT",
  /** Goods leave the site: a SHIPMENT out of the scan's location (default: the scanner's, e.g. the ship dock). */
  "SHIP",
  /** Goods come back from a customer: a RETURN into the scan's location, else the scanner's `returnsLocation`. */
  "RETURN",
]);
export type ScanAction = z.infer<typeof ScanAction>;

/** True when `text` holds a C0 control character or DEL (a NUL, a newline, an escape…). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Who did something, as the site names its people (a badge number, a login):
 * 1 to 64 characters, no control characters. Kept on the movement's evidence.
 */
export const OperatorId = z
  .string()
  .min(1)
  .max(64)
  .refine((id) => !hasControlCharacter(id), "an operator id has no control characters");
export type OperatorId = z.infer<typeof OperatorId>;

/**
 * A scanned location: the site's own code (`SITE/ZONE/BIN`), or a location
 * barcode carrying a GLN in AI 414 (with its extension in AI 254) in any GS1
 * form an item code may take (bracketed, raw after a symbology identifier,
 * a Digital Link URI). The edge maps a GLN to a location through the site
 * file's `gln`/`glnExtension`.
 */
export const ScannedLocation = z.string().min(1).max(200);

/**
 * `…/scan`: a barcode scan with a quantity and an intent. The item is either
 * a bare `gtin`, or `code`: the barcode's GS1 data as the scanner sent it
 * (bracketed, raw with FNC1 as GS and a symbology identifier such as `]d2`,
 * or a GS1 Digital Link URI), from which GTIN (01/02), batch (10), expiry
 * (17) and count (30/37) are read.
 */
export const ScanMessage = z
  .object({
    gtin: z
      .string()
      .regex(/^\d{14}$/, "expected a 14-digit GTIN")
      .refine(hasValidCheckDigit, "GTIN check digit is wrong")
      .optional(),
    code: z.string().min(1).max(8192).optional(),
    qty: z.number().int().min(1).max(100_000).default(1),
    action: ScanAction,
    /**
     * Where the stock is now (RECEIPT, PUTAWAY, RETURN), was taken from (PICK, SHIP) or was counted (COUNT);
     * default: the scanner's location (RETURN: the scanner's `returnsLocation`).
     */
    location: ScannedLocation.optional(),
    /** PUTAWAY only: where the stock came from. */
    fromLocation: ScannedLocation.optional(),
    lot: z.string().min(1).max(20).optional(),
    scannedAt: Timestamp,
    /** Who scanned: carried to the evidence of every event the scan makes. */
    operatorId: OperatorId.optional(),
    /**
     * The scanner's own id for this scan (e.g. a counter it keeps), unique per scanner. Without it a scan is
     * known by its scanner and `scannedAt`: the same scan sent twice (an MQTT QoS 1 resend) is one scan, and
     * so are two scans of one item stamped with the same time. A scanner whose clock stamps whole seconds
     * must send it, or a second scan of an item in the same second is taken for a resend.
     */
    scanId: z
      .string()
      .min(1)
      .max(64)
      .refine((id) => !hasControlCharacter(id), "a scan id has no control characters")
      .optional(),
  })
  .strict()
  .refine((m) => (m.gtin === undefined) !== (m.code === undefined), { message: "give exactly one of gtin and code" });
export type ScanMessage = z.infer<typeof ScanMessage>;

/** `…/weight`: a shelf bin's load, for shelves that push over MQTT. */
export const ShelfWeightMessage = z
  .object({
    location: z.string().max(200),
    /** Net weight on the bin, grams. */
    grams: z.number().finite().min(-1_000_000).max(10_000_000),
    measuredAt: Timestamp,
  })
  .strict();
export type ShelfWeightMessage = z.infer<typeof ShelfWeightMessage>;

/** `…/temp`: one temperature reading. */
export const TemperatureMessage = z
  .object({
    /** Degrees Celsius. */
    celsius: z.number().finite().min(-100).max(150),
    measuredAt: Timestamp,
  })
  .strict();
export type TemperatureMessage = z.infer<typeof TemperatureMessage>;

/** What a device says about its own link on `…/hb`: `online` when it (re)connects, `offline` as its MQTT will. */
export const DeviceStatus = z.enum(["online", "offline"]);
export type DeviceStatus = z.infer<typeof DeviceStatus>;

/**
 * `…/hb`: a device says it is alive. `status` is optional (a plain heartbeat
 * has none). A device may set its MQTT last will to `{"status":"offline"}`
 * on this topic: the broker publishes it when the connection dies without a
 * DISCONNECT (keepalive expired, socket lost). A will is written at connect
 * time and cannot know when it will be sent, so `sentAt` may be left out of
 * an `offline` message only.
 */
export const HeartbeatMessage = z
  .object({
    sentAt: Timestamp.optional(),
    uptimeS: z.number().min(0).optional(),
    batteryPct: z.number().min(0).max(100).optional(),
    status: DeviceStatus.optional(),
  })
  .strict()
  .refine((m) => m.sentAt !== undefined || m.status === "offline", {
    message: "sentAt is required (only an offline will may leave it out)",
    path: ["sentAt"],
  });
export type HeartbeatMessage = z.infer<typeof HeartbeatMessage>;

/** A device message after parsing, tagged by its channel. */
export type DeviceMessage =
  | { channel: "read"; message: TagReadMessage }
  | { channel: "scan"; message: ScanMessage }
  | { channel: "weight"; message: ShelfWeightMessage }
  | { channel: "temp"; message: TemperatureMessage }
  | { channel: "hb"; message: HeartbeatMessage };

const SCHEMAS = {
  read: TagReadMessage,
  scan: ScanMessage,
  weight: ShelfWeightMessage,
  temp: TemperatureMessage,
  hb: HeartbeatMessage,
} as const satisfies Record<DeviceChannel, z.ZodType>;

/** A compact, human-readable summary of zod issues (path: message; …). */
export function describeIssues(error: z.ZodError, max = 5): string {
  const parts = error.issues
    .slice(0, max)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
  if (error.issues.length > max) parts.push(`… ${error.issues.length - max} more`);
  return parts.join("; ");
}

/**
 * Parses a raw device payload for a channel: size limit, JSON, schema. Never
 * throws; a refusal carries a code and a reason for the dead-letter topic.
 */
export function parseDeviceMessage(
  channel: DeviceChannel,
  payload: Uint8Array | string,
): Result<DeviceMessage, Rejection> {
  const bytes = typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength;
  if (bytes > MAX_DEVICE_MESSAGE_BYTES) {
    return rejected(ErrorCode.MessageTooLarge, `message is ${bytes} bytes; the limit is ${MAX_DEVICE_MESSAGE_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === "string" ? payload : Buffer.from(payload).toString("utf8"));
  } catch (cause) {
    return rejected(ErrorCode.MessageNotJson, `not JSON: ${(cause as Error).message}`);
  }
  const parsed = safeParseUntrusted(SCHEMAS[channel], json);
  if (!parsed.success) return rejected(ErrorCode.MessageSchema, `${channel} message: ${describeIssues(parsed.error)}`);
  return ok({ channel, message: parsed.data } as DeviceMessage);
}
