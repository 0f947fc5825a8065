import { z } from "zod";
import { OperatorId, Timestamp } from "./device-messages.js";
import { LocationCode } from "./site-layout.js";

/** Event ids are UUIDs; the edge uses time-ordered UUIDv7 so inserts stay sequential. */
export const EventId = z.uuid();

const base = {
  id: EventId,
  siteId: z.string().min(1).max(64),
  /** When it happened at the site (device time). */
  occurredAt: Timestamp,
};

/** A kind of device whose observations a movement rests on: barcode scanner, smart shelf, RFID portal. */
export const EvidenceSource = z.enum(["scan", "shelf", "rfid"]);
export type EvidenceSource = z.infer<typeof EvidenceSource>;

/** What a movement or task rests on: the device and the observations it saw. */
export const Evidence = z
  .object({
    deviceId: z.string().min(1).max(64),
    observationIds: z.array(z.string().max(128)).max(100).default([]),
    /** The person whose scan made it, when one did. */
    operatorId: OperatorId.optional(),
    /**
     * Which kinds of evidence the movement or task rests on, e.g. `["scan", "shelf"]` for a scanned pick the
     * shelf's weight confirmed; `deviceId` is then the first one's device and `observationIds` hold both's.
     */
    sources: z.array(EvidenceSource).min(1).max(4).optional(),
    /** Every device of `sources` in the same order, when there is more than one. */
    deviceIds: z.array(z.string().min(1).max(64)).min(1).max(4).optional(),
  })
  .strict();
export type Evidence = z.infer<typeof Evidence>;

export const MovementType = z.enum([
  "RECEIPT",
  "PUTAWAY",
  "TRANSFER",
  "PICK",
  "SHIPMENT",
  "RETURN",
  "ADJUSTMENT",
  "COUNT",
]);
export type MovementType = z.infer<typeof MovementType>;

/**
 * A stock movement: the ledger's unit. `from` is empty for stock entering the
 * site (RECEIPT), `to` for stock leaving it (PICK, SHIPMENT).
 */
export const Movement = z
  .object({
    kind: z.literal("movement"),
    ...base,
    movementType: MovementType,
    sku: z.string().min(1).max(64),
    /** Units, always positive; direction is given by from/to. */
    qty: z.number().int().min(1).max(1_000_000),
    from: LocationCode.optional(),
    to: LocationCode.optional(),
    lot: z.string().min(1).max(20).optional(),
    expiry: z.iso.date().optional(),
    /** Pure identity EPC URI of the serialised unit, when known. */
    epc: z.string().max(200).optional(),
    sscc: z
      .string()
      .regex(/^\d{18}$/)
      .optional(),
    evidence: Evidence,
    /** 0–1: how sure the edge is. */
    confidence: z.number().min(0).max(1),
  })
  .strict()
  .refine((m) => m.from !== undefined || m.to !== undefined, { message: "a movement needs from or to" });
export type Movement = z.infer<typeof Movement>;

export const CorrectionTaskType = z.enum([
  "WRONG_ZONE",
  "UNKNOWN_TAG",
  "UNEXPECTED_ITEM",
  "MISSING_EXPECTED",
  "WRONG_DOCK",
  "WEIGHT_NOT_WHOLE_UNITS",
  "COUNT_MISMATCH",
  /** An RFID presence that may have been a crossing, with evidence too weak to move stock on. */
  "UNCONFIRMED_PASS",
  /** Goods went through a zone portal, but where they came from is not known. */
  "UNKNOWN_ORIGIN",
  /** Stock that was in a zone during a temperature excursion: hold it until somebody has judged it. */
  "QUARANTINE",
  /** A scanned pick or putaway at a smart-shelf bin whose weight did not change within the fusion window. */
  "SCAN_WITHOUT_SHELF_CHANGE",
  /** A scan and a shelf's weight agree on the bin but not on the units: both readings in the detail. */
  "SCAN_SHELF_QTY_MISMATCH",
]);
export type CorrectionTaskType = z.infer<typeof CorrectionTaskType>;

/** Work for a person where the physical and the recorded disagree. */
export const CorrectionTask = z
  .object({
    kind: z.literal("task"),
    ...base,
    taskType: CorrectionTaskType,
    location: LocationCode,
    sku: z.string().max(64).optional(),
    epc: z.string().max(200).optional(),
    priority: z.enum(["low", "normal", "high"]),
    detail: z.string().max(1000),
    evidence: Evidence,
  })
  .strict();
export type CorrectionTask = z.infer<typeof CorrectionTask>;

export const ConditionType = z.enum([
  "TEMPERATURE_EXCURSION",
  "DEVICE_SILENT",
  "SHELF_UNSTABLE",
  "READER_OVERFLOW",
  "EDGE_BACKLOG",
  "EDGE_IDENTITY_CONFLICT",
  "SENSOR_STUCK",
  /** Someone tried to speak for an edge or the cloud without its credential (a forged batch or ack): refused and raised. */
  "FORGED_MESSAGE",
  /** An OPC-UA shelf the edge cannot monitor: refused (security, identity, certificate) or unreachable. */
  "SHELF_UNREACHABLE",
  /** Batches arrive for a site the cloud has no imported layout for: refused whole, they wait at the edge. */
  "SITE_LAYOUT_MISSING",
  /** A sensor's temperature changes faster than its device's `maxRateCPerMin` (value and limit in °C/min). */
  "TEMPERATURE_RATE",
  /** A shelf bin's load cell reads stuck, out of range or negative (kind in key and detail): its readings move nothing. */
  "LOAD_CELL_FAULT",
  /**
   * Units left a shelf bin with no scan in the fusion window and no open expected shipment listing the SKU
   * (value: units, limit: grams taken; bin and SKU in key and detail).
   */
  "SUSPECTED_THEFT",
  /**
   * The edge has not been able to refresh its reference data (item master, expected receipts and shipments)
   * from the cloud for longer than its limit (value and limit in minutes): it judges with documents that may be
   * out of date.
   */
  "REFERENCE_DATA_STALE",
]);
export type ConditionType = z.infer<typeof ConditionType>;

/**
 * A temperature excursion as a record, carried by TEMPERATURE_EXCURSION
 * conditions: so far on `raised`, complete on `cleared`.
 */
export const Excursion = z
  .object({
    /** Device time of the first reading outside the range. */
    startedAt: Timestamp,
    /** Device time of the first reading back inside the range by the hysteresis (on `cleared`). */
    endedAt: Timestamp.optional(),
    side: z.enum(["above", "below"]),
    /** The limit that was broken, °C. */
    limit: z.number().finite(),
    /** The reading furthest outside the limit, °C. */
    peak: z.number().finite(),
    /** From `startedAt` to `endedAt` (or to the latest reading while it lasts), seconds. */
    durationS: z.number().min(0),
    /** ∫ |reading − limit| dt outside the range, in °C·min. */
    degreeMinutes: z.number().min(0),
    /** Seconds of the excursion with no reading (gaps longer than the device's `gapS`): unknown, not fine. */
    unknownS: z.number().min(0),
    graceS: z.number().min(0),
    hysteresisC: z.number().min(0),
  })
  .strict();
export type Excursion = z.infer<typeof Excursion>;

/** A stateful episode the edge saw: raised, then cleared, under one key. */
export const Condition = z
  .object({
    kind: z.literal("condition"),
    ...base,
    conditionType: ConditionType,
    state: z.enum(["raised", "cleared"]),
    /** Identifies the episode's cause, e.g. `TEMPERATURE_EXCURSION:temp-1`. */
    key: z.string().min(1).max(200),
    deviceId: z.string().min(1).max(64),
    location: LocationCode.optional(),
    value: z.number().finite().optional(),
    limit: z.number().finite().optional(),
    unit: z.string().max(16).optional(),
    detail: z.string().max(1000),
    /** TEMPERATURE_EXCURSION: the excursion so far (raised) or whole (cleared). */
    excursion: Excursion.optional(),
  })
  .strict();
export type Condition = z.infer<typeof Condition>;

/** A downsampled measurement for the telemetry store. */
export const Telemetry = z
  .object({
    kind: z.literal("telemetry"),
    ...base,
    deviceId: z.string().min(1).max(64),
    /** What was measured, e.g. `temperature`, or `count:<sku>` for a counted item. */
    metric: z.string().min(1).max(128),
    value: z.number().finite(),
    unit: z.string().max(16),
    location: LocationCode.optional(),
    /**
     * Set when the point sums up a period of readings: `value` is their mean,
     * `occurredAt` the period's start. Without it the point is one reading.
     */
    summary: z
      .object({
        periodS: z.number().int().min(1).max(86_400),
        min: z.number().finite(),
        max: z.number().finite(),
        count: z.number().int().min(1).max(10_000_000),
      })
      .strict()
      .optional(),
    /**
     * A full-rate reading sent because it lies around an excursion; the
     * summary of its period counts it too, so aggregates skip it.
     */
    excursionWindow: z.boolean().optional(),
    /** A `count:<sku>` point from a COUNT scan: who counted, carried to the evidence of what the count raises. */
    operatorId: OperatorId.optional(),
  })
  .strict()
  .refine((t) => t.summary === undefined || (t.summary.min <= t.value && t.value <= t.summary.max), {
    message: "a summary's mean must lie between its min and max",
    path: ["summary"],
  })
  .refine((t) => t.summary === undefined || t.excursionWindow !== true, {
    message: "a summary is not a full-rate reading",
    path: ["excursionWindow"],
  });
export type Telemetry = z.infer<typeof Telemetry>;

/** Anything an edge sends to the cloud. */
export const EdgeEvent = z.discriminatedUnion("kind", [Movement, CorrectionTask, Condition, Telemetry]);
export type EdgeEvent = z.infer<typeof EdgeEvent>;
export type EdgeEventKind = EdgeEvent["kind"];
