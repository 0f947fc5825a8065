import { z } from "zod";
import { lingerFields } from "./scenario-hardware.js";
import { Duration, Id, Loc, Range } from "./scenario-units.js";

/** Something going wrong at a time; each is written to the ground truth with its time. */
export const ScenarioFault = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("freezer-door-open"),
      at: Duration,
      duration: Duration,
      /** The temperature sensor in the room. */
      device: Id,
      peakC: z.number().finite(),
    })
    .strict(),
  z
    .object({
      /**
       * A short spike (a door opened and shut, a sensor handled): the sensor
       * reads `peakC` for `duration`. Shorter than the sensor's grace period it
       * is no excursion worth an alert, and a correct edge raises none.
       */
      kind: z.literal("temperature-spike"),
      at: Duration,
      duration: Duration,
      device: Id,
      peakC: z.number().finite(),
    })
    .strict(),
  z
    .object({
      /**
       * A room warming slowly (a failing compressor): from `at` the sensor's
       * band rises linearly to `toC` over `duration`, then falls back to what
       * it was. A rate-of-change limit on the sensor can catch it before the
       * zone's limit does.
       */
      kind: z.literal("slow-warming"),
      at: Duration,
      duration: Duration,
      device: Id,
      toC: z.number().finite(),
    })
    .strict(),
  z.object({ kind: z.literal("reader-offline"), at: Duration, duration: Duration, device: Id }).strict(),
  z
    .object({
      kind: z.literal("stuck-sensor"),
      at: Duration,
      duration: Duration,
      device: Id,
      celsius: z.number().finite().optional(),
    })
    .strict(),
  z.object({ kind: z.literal("flat-battery"), at: Duration, device: Id }).strict(),
  z
    .object({
      /** Put away to `intended` by scan, physically put in `actual`. */
      kind: z.literal("mis-shelved"),
      at: Duration,
      scanner: Id,
      sku: Id,
      qty: z.number().int().min(1),
      from: Loc,
      intended: Loc,
      actual: Loc,
    })
    .strict(),
  z
    .object({
      /** Items leave `location` with no scan; a shelf bin's load cell still sees the weight go. */
      kind: z.literal("theft"),
      at: Duration,
      location: Loc,
      sku: Id,
      qty: z.number().int().min(1),
    })
    .strict(),
  z
    .object({
      /**
       * An operator scans a PICK of `qty` × `sku` from bin `from` but takes
       * `takenQty` (default `qty`) from `takenFrom` (default `from`): a
       * neighbouring bin, or another count than scanned. What is taken is
       * the SKU of `takenFrom`'s shelf bin (else `sku`).
       */
      kind: z.literal("mis-pick"),
      at: Duration,
      scanner: Id,
      sku: Id,
      qty: z.number().int().min(1),
      from: Loc,
      takenFrom: Loc.optional(),
      takenQty: z.number().int().min(1).optional(),
    })
    .strict()
    .refine(
      (f) =>
        (f.takenFrom !== undefined && f.takenFrom !== f.from) || (f.takenQty !== undefined && f.takenQty !== f.qty),
      {
        message: "a mis-pick takes from another bin (takenFrom) or another quantity (takenQty) than it scans",
        path: ["takenFrom"],
      },
    ),
  z
    .object({
      /**
       * The load cell of shelf bin `location` misreads for `duration`:
       * `stuck` repeats one exact value, `out-of-range` reads above the bin's
       * `capacityG`, `negative` reads far below its tare. Then it reads true again.
       */
      kind: z.literal("load-cell-fault"),
      at: Duration,
      duration: Duration,
      location: Loc,
      mode: z.enum(["stuck", "out-of-range", "negative"]),
    })
    .strict()
    .refine((f) => f.duration > 0, { message: "a load-cell fault needs a duration > 0", path: ["duration"] }),
  z
    .object({
      /** Tags the item master does not know pass a portal. */
      kind: z.literal("unknown-tags"),
      at: Duration,
      device: Id,
      count: z.number().int().min(1).max(10_000),
    })
    .strict(),
  z
    .object({
      /**
       * Tagged items left standing inside a portal's read field, read again
       * and again; with `leaves`, they go through the portal (in its
       * direction) when the duration is up, like a staged pallet loaded at last.
       */
      kind: z.literal("parked-tags"),
      at: Duration,
      duration: Duration,
      device: Id,
      sku: Id,
      count: z.number().int().min(1).max(10_000),
      leaves: z.boolean().default(false),
      ...lingerFields,
    })
    .strict(),
  z
    .object({
      /**
       * A staging lane in front of a door: `pallets` pallets of `itemsPerPallet`
       * tags come and go over `duration`, each standing `dwell` (a range) in
       * the field, read weakly by the antenna on their side (default
       * `outside`, 4 m from it). None goes through: nothing moves.
       */
      kind: z.literal("staging-lane"),
      at: Duration,
      duration: Duration,
      device: Id,
      skus: z.array(Id).min(1),
      pallets: z.number().int().min(1).max(1000),
      itemsPerPallet: Range,
      dwell: z.object({ min: Duration, max: Duration }).strict(),
      ...lingerFields,
    })
    .strict()
    .refine((f) => f.dwell.min > 0 && f.dwell.min <= f.dwell.max && f.dwell.max <= f.duration, {
      message: "dwell needs 0 < min ≤ max ≤ duration",
      path: ["dwell"],
    }),
  z
    .object({
      /**
       * A pallet brought into the field on the side it comes from (the outer
       * antenna at an inbound door) and taken away again: that antenna only,
       * RSSI rising then falling, over `approach` (default 4 s), at its
       * closest `closestM` metres from the antenna (default 0.5). With
       * `crossesAfter`, it really goes through the door that long after it
       * first came close: one movement, at that crossing.
       */
      kind: z.literal("aborted-pass"),
      at: Duration,
      device: Id,
      sku: Id,
      count: z.number().int().min(1).max(10_000),
      approach: Duration.optional(),
      closestM: z.number().min(0).max(10).default(0.5),
      crossesAfter: Duration.optional(),
    })
    .strict(),
  z
    .object({
      /** Tagged items of `sku` carried through a zone portal into its inside zone, which they must not enter. */
      kind: z.literal("wrong-zone"),
      at: Duration,
      /** The zone portal. */
      device: Id,
      sku: Id,
      count: z.number().int().min(1).max(10_000),
    })
    .strict(),
  z
    .object({
      /** The next SSCC shipment due after `at` leaves through `device`, not the door of its expected shipment. */
      kind: z.literal("wrong-dock"),
      at: Duration,
      /** The outbound portal it really leaves through. */
      device: Id,
    })
    .strict(),
  z
    .object({
      /** The next truck after `at` (through `device`, if given) brings `count` tagged items of `sku` its ASN does not list. */
      kind: z.literal("unexpected-items"),
      at: Duration,
      device: Id.optional(),
      sku: Id,
      count: z.number().int().min(1).max(10_000),
    })
    .strict(),
  z
    .object({
      /** The next truck after `at` (through `device`, if given) lists `count` more of `sku` on its ASN than it brings. */
      kind: z.literal("short-delivery"),
      at: Duration,
      device: Id.optional(),
      sku: Id,
      count: z.number().int().min(1).max(10_000),
    })
    .strict(),
  z.object({ kind: z.literal("uplink-cut"), at: Duration, duration: Duration }).strict(),
  z.object({ kind: z.literal("edge-restart"), at: Duration }).strict(),
]);
export type ScenarioFault = z.output<typeof ScenarioFault>;
