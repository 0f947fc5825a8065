import { z } from "zod";
import { DbRange, Duration, Id, Probability, Range, SignedDuration } from "./scenario-units.js";

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
export const lingerFields = {
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
