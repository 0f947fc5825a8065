import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeIssues, ScanAction } from "./device-messages.js";
import { ErrorCode, ok, type Rejection, type Result, rejected } from "./errors.js";
import { MAX_YAML_NESTING, yamlNestingDepth } from "./yaml-nesting.js";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration: a number of seconds, or a string with a unit (`500ms`, `90s`,
 * `10m`, `2h`, `1h30m`). Parsed to milliseconds.
 */
export const Duration = z
  .union([
    z.number().finite().min(0),
    z.string().regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/, "expected seconds or e.g. 500ms, 90s, 10m, 2h, 1h30m"),
  ])
  .transform((value) => {
    if (typeof value === "number") return Math.round(value * 1000);
    let ms = 0;
    for (const [, n, , unit] of value.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) {
      ms += Number(n) * UNIT_MS[(unit ?? "s") as keyof typeof UNIT_MS];
    }
    return Math.round(ms);
  });

/**
 * Play speed: `1` (real time), a factor (`4`, `x4`, `×4`), or `max`: as fast
 * as the system under test acknowledges.
 */
export const Speed = z
  .union([z.number().positive().finite(), z.string().regex(/^([x×]?\d+(\.\d+)?|max)$/, "expected 1, x4, ×4 or max")])
  .transform((value): number | "max" => {
    if (typeof value === "number") return value;
    if (value === "max") return "max";
    return Number(value.replace(/^[x×]/, ""));
  })
  .refine((v) => v === "max" || v > 0, "speed must be > 0");
export type Speed = z.output<typeof Speed>;

const Id = z.string().min(1).max(64);
const Loc = z.string().min(1).max(200);
const Range = z
  .object({ min: z.number().int().min(0), max: z.number().int().min(0) })
  .strict()
  .refine((r) => r.min <= r.max, "min must not exceed max");
const Probability = z.number().min(0).max(1);

/**
 * A signed duration (a reader clock ahead or behind): seconds, or a string
 * with a unit and an optional sign (`+4s`, `-3s`, `-1500ms`). Parsed to ms.
 */
export const SignedDuration = z
  .union([
    z.number().finite().min(-86_400).max(86_400),
    z.string().regex(/^[+-]?(\d+(\.\d+)?(ms|s|m|h))+$/, "expected signed seconds or e.g. +4s, -3s, -1500ms"),
  ])
  .transform((value) => {
    if (typeof value === "number") return Math.round(value * 1000);
    const negative = value.startsWith("-");
    const ms = Duration.parse(value.replace(/^[+-]/, ""));
    return negative ? -ms : ms;
  });

/** A weaker-by range in dB, e.g. `{ min: 3, max: 8 }`. */
const DbRange = z
  .object({ min: z.number().min(0).max(60), max: z.number().min(0).max(60) })
  .strict()
  .refine((r) => r.min <= r.max, "min must not exceed max");

/**
 * Where a tag stands in a portal's read field while it lingers: `outside`
 * (read by the outer antenna only), `inside` (inner only) or `doorway`
 * (both antennas, at a similar strength, in no consistent order).
 */
export const LingerPosition = z.enum(["outside", "inside", "doorway"]);
export type LingerPosition = z.output<typeof LingerPosition>;

/**
 * How tags standing in a read field are read. Every field is optional: a
 * fault's own values override the hardware profile's `portals.parked`,
 * which override the defaults.
 */
const lingerFields = {
  /** Where they stand. Default `doorway`. */
  position: LingerPosition.optional(),
  /** How often each tag is read (each period ±25 %). Default 3 s; real docks 0.5–5 s. */
  readEvery: Duration.refine((ms) => ms >= 100 && ms <= 60_000, "readEvery must be 100 ms–60 s").optional(),
  /** Chance that one of those reads is lost (0–0.9). Default: the portals' `missProbability`. */
  missProbability: z.number().min(0).max(0.9).optional(),
  /** Mean RSSI of those reads, dBm. Default 3 m from the antenna (−64 dBm on the default profile). */
  rssiDbm: z.number().min(-120).max(0).optional(),
  /** Uniform jitter on each read's RSSI, ± dB. Default 3. */
  rssiJitterDb: z.number().min(0).max(30).optional(),
};
/** How tags standing in a read field are read (the hardware profile's defaults for every lingering tag). */
export const LingerReads = z.object(lingerFields).strict();
export type LingerReads = z.output<typeof LingerReads>;

/** Quirks of one RFID reader (a portal), by portal id in `hardware.portals.readers`. */
export const ReaderQuirks = z
  .object({
    /** `false`: the reader publishes no heartbeats (the site file must declare `heartbeat: false` for it). */
    heartbeats: z.boolean().default(true),
    /** How far the reader's clock is off: added to every timestamp it sends (the truth stays at real time). */
    clockOffset: SignedDuration.default(0),
    /**
     * The reader holds its reads for `hold` every `every` (from the start of
     * the scenario) and then delivers them in one burst, timestamps unchanged.
     */
    lateBursts: z
      .object({ every: Duration, hold: Duration })
      .strict()
      .refine((b) => b.hold > 0 && b.hold < b.every, "lateBursts needs 0 < hold < every")
      .optional(),
  })
  .strict();
export type ReaderQuirks = z.output<typeof ReaderQuirks>;

/** How the simulated hardware misbehaves. Everything defaults to ideal hardware. */
export const HardwareProfile = z
  .object({
    portals: z
      .object({
        /** Reads per tag per antenna, before misses. Default 3–5. */
        readsPerTag: Range.optional(),
        /** Chance that one read is lost (0–1). */
        missProbability: Probability.default(0),
        /** How long a pass through a portal lasts. Default 2 s. */
        pass: Duration.optional(),
        /** RSSI at the antenna, dBm, and how much it falls per metre away. Default −40 dBm, 8 dB/m. */
        rssiAtAntennaDbm: z.number().min(-120).max(0).default(-40),
        rssiFallPerMetreDb: z.number().min(0).max(60).default(8),
        /** Chance per tag that the neighbouring door's portal also reads it (weakly). */
        strayProbability: Probability.default(0),
        /** Portal → its neighbouring portal, for stray reads. */
        neighbours: z.record(Id, Id).default({}),
        /** How often a tag parked in a read field is read (weakly, on either antenna). Default 3 s. */
        parkedReadEvery: Duration.optional(),
        /** How tags standing in a read field are read, unless a fault says otherwise (its `readEvery` wins over `parkedReadEvery`). */
        parked: LingerReads.optional(),
        /**
         * Stray reads at the neighbouring door come in bursts of `reads`
         * reads, on both of its antennas as the tag passes the wall, each
         * `weakerDb` weaker than the tag's read at its own door at that
         * moment. Absent: one or two single weak reads (about 32 dB weaker).
         */
        strayBurst: z.object({ reads: Range, weakerDb: DbRange }).strict().optional(),
        /** Per-reader quirks (no heartbeats, clock offset, late bursts), by portal id. */
        readers: z.record(Id, ReaderQuirks).default({}),
      })
      .strict()
      .optional(),
    scanners: z
      .object({
        /** Chance that an operator scans a different item than the one moved. */
        wrongItemProbability: Probability.default(0),
        /** Chance that a scan is sent twice. */
        doubleScanProbability: Probability.default(0),
      })
      .strict()
      .optional(),
    shelves: z
      .object({
        /** Uniform noise on each reading, ± grams. */
        noiseG: z.number().min(0).max(10_000).default(0),
        /** How long a load cell swings after a change before it settles. */
        settle: Duration.default(0),
        /** Slow zero drift, grams per hour. */
        driftGPerHour: z.number().min(-10_000).max(10_000).default(0),
      })
      .strict()
      .optional(),
    temperature: z
      .object({
        /** Reading period. Default 2 s. */
        period: Duration.optional(),
        /** Uniform noise on each reading, ± °C. */
        noiseC: z.number().min(0).max(50).default(0),
        /** Chance that one reading is never sent. */
        gapProbability: Probability.default(0),
      })
      .strict()
      .optional(),
  })
  .strict();
export type HardwareProfile = z.output<typeof HardwareProfile>;

/**
 * Expected documents a flow announces to the cloud through its HTTP API: an
 * expected receipt (ASN) per truck, or an expected shipment per shipment,
 * created `lead` before the first pallet and closed `closeAfter` the last
 * one passed the door (a closed receipt with lines not seen raises
 * MISSING_EXPECTED at the edge).
 */
export const ExpectedDocuments = z
  .object({
    /** How long before the first pallet the document is created. Default 5 min. */
    lead: Duration.prefault(300),
    /** How long after the last pallet the document is closed. Default 2 min. */
    closeAfter: Duration.prefault(120),
  })
  .strict();
export type ExpectedDocuments = z.output<typeof ExpectedDocuments>;

/** Tagged items of one SKU: `count` SGTIN-96 tags with fresh serials. */
const Tags = z.object({ sku: Id, count: z.number().int().min(1).max(1_000_000) }).strict();

/** A scripted step, for exact timelines (times from the start). */
export const ScenarioFileStep = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("portal-pass"),
      at: Duration,
      device: Id,
      tags: z.array(Tags).min(1),
      pass: Duration.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("scan"),
      at: Duration,
      device: Id,
      sku: Id,
      qty: z.number().int().min(1),
      action: ScanAction,
      location: Loc.optional(),
      fromLocation: Loc.optional(),
      /** The batch/lot the barcode carries (GS1 AI 10, up to 20 characters): the movement's lot. */
      lot: z.string().min(1).max(20).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("shelf-load"),
      at: Duration,
      device: Id,
      location: Loc,
      units: z.number().int(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("temperature"),
      at: Duration,
      device: Id,
      minC: z.number().finite(),
      maxC: z.number().finite(),
    })
    .strict(),
]);
export type ScenarioFileStep = z.output<typeof ScenarioFileStep>;

/** A recurring flow of work; the simulator expands it with the scenario's seed. */
export const ScenarioFlow = z.discriminatedUnion("kind", [
  z
    .object({
      /** Trucks unloading pallets of tagged items through inbound portals, against an ASN, then put away by scanner. */
      kind: z.literal("inbound"),
      at: Duration.default(0),
      trucks: z.number().int().min(1).max(10_000),
      every: Duration,
      /** Inbound portals, used in turn. */
      doors: z.array(Id).min(1),
      pallets: Range,
      itemsPerPallet: Range,
      skus: z.array(Id).min(1),
      /** Putaway after each truck: scanner, and where each SKU goes. */
      putaway: z
        .object({ scanner: Id, to: z.record(Id, Loc), after: Duration.prefault(60) })
        .strict()
        .optional(),
      /** Chance that an item on the ASN does not arrive (the ASN is in the ground truth). */
      asnShortProbability: Probability.default(0),
      /** Create each truck's ASN in the cloud before it arrives and close it after (absent: the ASN is in the truth only). */
      expected: ExpectedDocuments.optional(),
      /**
       * Share of pallets (0–1) that carry one SSCC-96 pallet tag and untagged
       * items, listed on the ASN by SSCC; the others carry SGTIN-96 item tags.
       * Needs `expected`: the edge learns a pallet's contents from the open ASN.
       */
      sscc: Probability.default(0),
    })
    .strict()
    .refine((f) => f.sscc === 0 || f.expected !== undefined, {
      message: "SSCC pallets need `expected`: their contents come from the ASN",
      path: ["sscc"],
    }),
  z
    .object({
      /** Picks by scanner from storage, or by hand from smart shelf bins (seen by their load cells). */
      kind: z.literal("picks"),
      at: Duration.default(0),
      count: z.number().int().min(1).max(1_000_000),
      every: Duration,
      from: z.array(Loc).min(1),
      qty: Range,
      /** A scanner id for scanner picks; omit for shelf picks. */
      scanner: Id.optional(),
    })
    .strict(),
  z
    .object({
      /** When a shelf bin falls below `below` units after a pick, refill it to `upTo` from `from` (putaway scan + load). */
      kind: z.literal("replenishment"),
      scanner: Id,
      from: Loc,
      bins: z.array(Loc).min(1),
      below: z.number().int().min(0),
      upTo: z.number().int().min(1),
      after: Duration.prefault(30),
    })
    .strict(),
  z
    .object({
      /** Tagged items staged at an outbound door (putaway scan) and shipped through its portal. */
      kind: z.literal("outbound"),
      at: Duration.default(0),
      shipments: z.number().int().min(1).max(10_000),
      every: Duration,
      door: Id,
      scanner: Id,
      from: z.array(Loc).min(1),
      items: Range,
      /** Create each shipment's expected shipment in the cloud (dock = the door) and close it after the pallet left. */
      expected: ExpectedDocuments.optional(),
      /**
       * Ship untagged units as one SSCC-96 tagged pallet per shipment, its
       * contents listed on the expected shipment (needs `expected`); default:
       * tagged items, each read by its SGTIN.
       */
      sscc: z.boolean().default(false),
    })
    .strict()
    .refine((f) => !f.sscc || f.expected !== undefined, {
      message: "SSCC pallets need `expected`: their contents come from the expected shipment",
      path: ["sscc"],
    }),
  z
    .object({
      /** Tagged items carried through a zone portal (a portal with `zonePortal`) from its outside location to its inside. */
      kind: z.literal("transfer"),
      at: Duration.default(0),
      count: z.number().int().min(1).max(10_000),
      every: Duration,
      /** The zone portal. */
      portal: Id,
      items: Range,
      /** Only these SKUs (default: whatever tagged stock is at the outside location). */
      skus: z.array(Id).min(1).optional(),
    })
    .strict(),
  z
    .object({
      /** Shipped tagged items coming back through an inbound portal. */
      kind: z.literal("returns"),
      at: Duration.default(0),
      count: z.number().int().min(1).max(10_000),
      every: Duration,
      door: Id,
      items: Range,
    })
    .strict(),
  z
    .object({
      /** Cycle counts: COUNT scans of what really is at a location. */
      kind: z.literal("cycle-count"),
      at: Duration.default(0),
      count: z.number().int().min(1).max(10_000),
      every: Duration,
      scanner: Id,
      locations: z.array(Loc).min(1),
    })
    .strict(),
]);
export type ScenarioFlow = z.output<typeof ScenarioFlow>;

/** A temperature profile: from `at` on, every sensor in `zone` reads within [minC, maxC] °C. */
export const TemperatureProfile = z
  .object({ zone: Id, at: Duration.default(0), minC: z.number().finite(), maxC: z.number().finite() })
  .strict()
  .refine((p) => p.minC <= p.maxC, "minC must not exceed maxC");
export type TemperatureProfile = z.output<typeof TemperatureProfile>;

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

/**
 * A scenario file (YAML or JSON): a site, a seed, a duration, a speed, the
 * hardware's behaviour, flows of work, temperature profiles, scripted steps
 * and a fault timeline. Durations are seconds or strings with a unit.
 */
export const ScenarioFile = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
    description: z.string().max(2000).optional(),
    /** A site layout file path (relative to the scenario file) or the layout inline. */
    site: z.union([z.string().min(1).max(1000), z.record(z.string(), z.unknown())]),
    seed: z.number().int().min(0).max(4_294_967_295),
    duration: Duration,
    speed: Speed.default(1),
    hardware: HardwareProfile.default({}),
    temperature: z.array(TemperatureProfile).default([]),
    steps: z.array(ScenarioFileStep).default([]),
    flows: z.array(ScenarioFlow).default([]),
    faults: z.array(ScenarioFault).default([]),
  })
  .strict();
export type ScenarioFile = z.output<typeof ScenarioFile>;

/** Parses a scenario file's text (YAML or JSON) and validates its shape. Never throws. */
export function parseScenarioFileText(text: string): Result<ScenarioFile, Rejection> {
  if (yamlNestingDepth(text, MAX_YAML_NESTING) > MAX_YAML_NESTING) {
    return rejected(ErrorCode.ScenarioInvalid, `scenario file nests deeper than ${MAX_YAML_NESTING} levels`);
  }
  let doc: unknown;
  try {
    // logLevel error: YAML warnings (unresolved tags…) would go to the process's stderr, past its logger.
    doc = parseYaml(text, { maxAliasCount: 100, logLevel: "error" });
  } catch (cause) {
    return rejected(ErrorCode.ScenarioInvalid, `scenario file is not valid YAML/JSON: ${(cause as Error).message}`);
  }
  const parsed = ScenarioFile.safeParse(doc);
  if (!parsed.success) return rejected(ErrorCode.ScenarioInvalid, `scenario file: ${describeIssues(parsed.error, 10)}`);
  return ok(parsed.data);
}
