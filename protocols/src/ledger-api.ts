import { z } from "zod";
import { Timestamp } from "./device-messages.js";
import { Movement, MovementType } from "./events.js";
import { Item, LocationCode, TemperatureClass, ZoneKind } from "./site-layout.js";

/**
 * Error codes of the ledger's HTTP API, beside the main catalogue
 * (`ErrorCode`): same `TALLY_ERR_<AREA>_<WHAT>` form, same stability.
 */
export const LedgerErrorCode = {
  /** The ledger refused to change or delete a movement (they are append-only). */
  AppendOnly: "TALLY_ERR_LEDGER_APPEND_ONLY",
  AuthRequired: "TALLY_ERR_AUTH_REQUIRED",
  AuthForbidden: "TALLY_ERR_AUTH_FORBIDDEN",
  /** Too many failed authentications from one address: refused for a while without looking at the token. */
  AuthThrottled: "TALLY_ERR_AUTH_THROTTLED",
  /** A batch naming an edge or site other than the credential's: refused whole. */
  AuthIdentityMismatch: "TALLY_ERR_AUTH_IDENTITY_MISMATCH",
  /** Too many requests from one caller in the rate limit's window. */
  RateLimited: "TALLY_ERR_RATE_LIMITED",
  /** A correction task cannot make this transition (e.g. completing a dismissed task). */
  TaskState: "TALLY_ERR_TASK_STATE",
  /** An alert cannot make this change (acknowledging a resolved or already acknowledged alert). */
  AlertState: "TALLY_ERR_ALERT_STATE",
  /** An expected receipt or shipment cannot make this change (already closed). */
  ExpectedState: "TALLY_ERR_EXPECTED_STATE",
  /** Something with this id already exists with other content. */
  AlreadyExists: "TALLY_ERR_ALREADY_EXISTS",
  MovementAlreadyReversed: "TALLY_ERR_MOVEMENT_ALREADY_REVERSED",
  EpcisInvalid: "TALLY_ERR_EPCIS_INVALID",
  EpcisUnsupported: "TALLY_ERR_EPCIS_UNSUPPORTED",
} as const;
export type LedgerErrorCode = (typeof LedgerErrorCode)[keyof typeof LedgerErrorCode];

/**
 * An item as the cloud's item master keeps it: the site file's item plus
 * ledger policy. `negativeStock`: `allow` (default) records stock going
 * negative and raises a NEGATIVE_STOCK alert; `refuse` holds the movement
 * that would make a position negative and opens a COUNT_MISMATCH task.
 * With `annualDemand` (units/year), `orderCost` (per order) and
 * `holdingCost` (per unit per year) the low-stock alert suggests the EOQ.
 */
export const LedgerItem = Item.extend({
  negativeStock: z.enum(["allow", "refuse"]).default("allow"),
  annualDemand: z.number().positive().optional(),
  orderCost: z.number().positive().optional(),
  holdingCost: z.number().positive().optional(),
}).strict();
export type LedgerItem = z.infer<typeof LedgerItem>;

/** A location of the hierarchy site → zone → bin, from the site file. */
export const LedgerLocation = z
  .object({
    code: LocationCode,
    siteId: z.string(),
    zone: z.string(),
    bin: z.string(),
    zoneKind: ZoneKind,
    temperatureClass: TemperatureClass,
    name: z.string().optional(),
  })
  .strict();
export type LedgerLocation = z.infer<typeof LedgerLocation>;

/** A movement as the cloud's API gives it: with the time the cloud committed it (ISO 8601), when known. */
export const CommittedMovement = Movement.extend({ committedAt: Timestamp.optional() });
export type CommittedMovement = z.infer<typeof CommittedMovement>;

/** One stock position: a SKU and lot (`""` when none) at a location. */
export const StockPosition = z.object({ sku: z.string(), location: z.string(), lot: z.string(), qty: z.number() });
export type StockPosition = z.infer<typeof StockPosition>;

/** One leg of a movement in a SKU's history, with the running balance after it (ordered by occurredAt). */
export const HistoryEntry = z.object({
  movementId: z.string(),
  occurredAt: Timestamp,
  movementType: MovementType,
  location: z.string(),
  lot: z.string(),
  /** Signed units: + into `location`, − out of it. */
  delta: z.number(),
  /** Units of the SKU (in the filtered locations and lot) after this entry. */
  balance: z.number(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const SerialStatus = z.enum(["in_stock", "shipped", "removed"]);
export type SerialStatus = z.infer<typeof SerialStatus>;

/** Where a serialised unit (EPC) is, from the serial registry. */
export const SerialRecord = z.object({
  epc: z.string(),
  sku: z.string(),
  /** Its location; absent once it left the site. */
  location: z.string().optional(),
  lot: z.string(),
  status: SerialStatus,
  lastMovementId: z.string(),
  lastSeenAt: Timestamp,
});
export type SerialRecord = z.infer<typeof SerialRecord>;

/**
 * A correction task's lifecycle: `open` (nobody has it), `assigned` (a named
 * person should do it), `started` (somebody is on it), then final: `done`
 * (with an outcome, which may post adjustments) or `dismissed` (with a reason).
 */
export const TaskStatus = z.enum(["open", "assigned", "started", "done", "dismissed"]);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** A stock adjustment a task's outcome posts: signed units of a SKU (and lot) at a location. */
export const Adjustment = z
  .object({
    sku: z.string().min(1).max(64),
    location: LocationCode,
    lot: z.string().min(1).max(20).optional(),
    qty: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .refine((q) => q !== 0, "qty must not be 0"),
  })
  .strict();
export type Adjustment = z.infer<typeof Adjustment>;

/** How a person closed a correction task: with stock adjustments (ADJUSTMENT movements), or without a change. */
export const TaskOutcome = z.discriminatedUnion("outcome", [
  z
    .object({
      outcome: z.literal("adjusted"),
      adjustments: z.array(Adjustment).min(1).max(100),
      note: z.string().max(1000).optional(),
    })
    .strict(),
  z.object({ outcome: z.literal("no-change"), note: z.string().max(1000).optional() }).strict(),
]);
export type TaskOutcome = z.infer<typeof TaskOutcome>;

/** Key performance indicators over the ledger. */
export const Kpis = z.object({
  asOf: Timestamp,
  /** Counts whose counted quantity equalled the ledger's at that time, of all counts (null: no counts). */
  inventoryRecordAccuracy: z.object({ counts: z.number(), accurate: z.number(), ratio: z.number().nullable() }),
  /** Items of the master with no stock on hand at the site. */
  stockouts: z.object({ count: z.number(), skus: z.array(z.string()) }),
  /** Serialised units: time from RECEIPT to their first PUTAWAY, in seconds. */
  dockToStock: z.object({
    units: z.number(),
    meanS: z.number().nullable(),
    p50S: z.number().nullable(),
    p90S: z.number().nullable(),
  }),
  belowReorderPoint: z.object({
    count: z.number(),
    positions: z.array(z.object({ sku: z.string(), location: z.string(), qty: z.number(), reorderPoint: z.number() })),
  }),
});
export type Kpis = z.infer<typeof Kpis>;
