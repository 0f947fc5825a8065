import { z } from "zod";
import { hasValidCheckDigit } from "./gs1/check-digit.js";
import { OpcuaShelfSecurity } from "./opcua-security.js";

/** Kinds of zone a site is divided into. */
export const ZoneKind = z.enum(["dock", "receiving", "storage", "picking", "staging", "shipping", "quarantine"]);
export type ZoneKind = z.infer<typeof ZoneKind>;

/**
 * Temperature class of a zone or an item: ambient, chilled (2–8 °C) or
 * frozen (≤ −18 °C).
 */
export const TemperatureClass = z.enum(["ambient", "chilled", "frozen"]);
export type TemperatureClass = z.infer<typeof TemperatureClass>;

/** An inclusive temperature range in °C; either bound may be open. */
export const TemperatureRange = z
  .object({
    minC: z.number().finite().optional(),
    maxC: z.number().finite().optional(),
  })
  .strict()
  .refine((r) => r.minC === undefined || r.maxC === undefined || r.minC <= r.maxC, {
    message: "minC must not exceed maxC",
  });
export type TemperatureRange = z.infer<typeof TemperatureRange>;

/**
 * Default allowed range per temperature class, in °C. Chilled is the usual
 * 2–8 °C cold chain band; frozen is at or below −18 °C; ambient is 0–30 °C
 * (no frost, no heat damage) unless a zone says otherwise.
 */
export const TEMPERATURE_CLASS_RANGES: Readonly<Record<TemperatureClass, TemperatureRange>> = {
  ambient: { minC: 0, maxC: 30 },
  chilled: { minC: 2, maxC: 8 },
  frozen: { maxC: -18 },
};

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-' only");

/** A location code `SITE/ZONE/BIN`. */
export const LocationCode = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "expected SITE/ZONE/BIN");
export type LocationCode = z.infer<typeof LocationCode>;

export const Zone = z
  .object({
    id: Id,
    name: z.string().max(200).optional(),
    kind: ZoneKind,
    temperatureClass: TemperatureClass.default("ambient"),
    /** Overrides the class's default range. */
    temperatureRange: TemperatureRange.optional(),
  })
  .strict();
export type Zone = z.infer<typeof Zone>;

/** A GLN (GS1 Global Location Number): 13 digits, the last a GS1 check digit. */
export const Gln = z
  .string()
  .regex(/^\d{13}$/, "expected a 13-digit GLN")
  .refine(hasValidCheckDigit, "GLN check digit is wrong");

/**
 * A GLN extension component (AI 254): 1 to 20 characters of GS1 AI encodable
 * character set 82 (GS1 General Specifications §7.11).
 */
export const GlnExtension = z
  .string()
  .regex(/^[!"%-?A-Z_a-z]{1,20}$/, "expected 1 to 20 characters of GS1 character set 82");

export const Location = z
  .object({
    code: LocationCode,
    zone: Id,
    name: z.string().max(200).optional(),
    /**
     * The GLN on the location's barcode label (AI 414), so a scanner may scan
     * the label instead of sending the code. Several locations may share a
     * GLN when each has its own `glnExtension` (AI 254).
     */
    gln: Gln.optional(),
    /** AI 254 of the label: tells apart locations that share a GLN. Needs `gln`. */
    glnExtension: GlnExtension.optional(),
  })
  .strict()
  .refine((l) => l.glnExtension === undefined || l.gln !== undefined, {
    message: "glnExtension needs gln",
    path: ["glnExtension"],
  });
export type Location = z.infer<typeof Location>;

/**
 * Whether the device publishes heartbeats on `…/hb` (default true). A device
 * that does not (`false`, e.g. a dock-door reader that only speaks when a
 * tag passes) is judged by its MQTT connection instead: DEVICE_SILENT only
 * when its connection has been down for longer than the silent limit, never
 * because it sent no data.
 */
export const SendsHeartbeat = z.boolean().optional();

/**
 * The edge's presence settings where neither the site file nor the edge's
 * configuration says otherwise (device time, ms): kept here so that the
 * simulators can shrink them with a play's speed.
 */
export const PORTAL_PRESENCE_DEFAULTS = { timeoutMs: 15_000, stationaryMs: 60_000, directionGapMs: 100 } as const;

/** Reader payload formats a portal may speak. */
export const ReaderFormat = z.enum(["generic", "zebra", "impinj"]);
export type ReaderFormat = z.infer<typeof ReaderFormat>;

/** An RFID portal at a dock door, with its inner and outer antenna ports. */
export const RfidPortalDevice = z
  .object({
    id: Id,
    kind: z.literal("rfid-portal"),
    location: LocationCode,
    direction: z.enum(["inbound", "outbound"]),
    /** The reader's payload dialect; when absent the edge detects it from each payload. */
    format: ReaderFormat.optional(),
    antennas: z
      .object({
        inner: z.array(z.number().int().min(1).max(64)).default([]),
        outer: z.array(z.number().int().min(1).max(64)).default([]),
      })
      .strict()
      .default({ inner: [], outer: [] }),
    /** Reads weaker than `minRssi` (dBm) are ignored; a pass with fewer than `minReads` reads is noise. */
    filter: z
      .object({
        minReads: z.number().int().min(1).max(1000).default(2),
        minRssi: z.number().min(-120).max(0).default(-85),
      })
      .strict()
      .default({ minReads: 2, minRssi: -85 }),
    /**
     * A portal between two zones rather than at a dock door: passes are
     * TRANSFERs from `outside` to `inside` (inbound) or back (outbound).
     */
    zonePortal: z.object({ inside: LocationCode, outside: LocationCode }).strict().optional(),
    /**
     * Portals close enough to read this one's tags (cross-reads). Default:
     * the other portals in the same zone.
     */
    neighbours: z.array(Id).max(64).optional(),
    /**
     * What proves a crossing. `two-sided` (the default): antennas on both
     * sides of the door, and a movement needs reads on both sides in order.
     * `one-antenna`: a door read from one side only, where a crossing is a
     * read strength that rises and falls within a pass and the door's
     * direction gives the way; `antennas` may then list its ports under
     * either side, or none.
     */
    evidence: z.enum(["two-sided", "one-antenna"]).optional(),
    /** Per-portal overrides of the edge's presence settings (device time). */
    presence: z
      .object({
        /** A tag's presence at the portal ends after this long without a read of it, ms. */
        timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
        /** A tag present longer than this is parked and moves nothing until it clearly leaves, ms. */
        stationaryMs: z.number().int().min(100).max(86_400_000).optional(),
        /** The two sides' mean read times must differ by at least this much to show an order, ms. */
        directionGapMs: z.number().int().min(0).max(60_000).optional(),
      })
      .strict()
      .optional(),
    heartbeat: SendsHeartbeat,
  })
  .strict();
export type RfidPortalDevice = z.infer<typeof RfidPortalDevice>;

export const ScannerDevice = z
  .object({
    id: Id,
    kind: z.literal("scanner"),
    location: LocationCode,
    /** Where RETURN scans put goods when the scan names no location (e.g. the returns bay). */
    returnsLocation: LocationCode.optional(),
    heartbeat: SendsHeartbeat,
  })
  .strict();
export type ScannerDevice = z.infer<typeof ScannerDevice>;

/** One weighed bin of a smart shelf: the location it is and the SKU it holds. */
export const ShelfBin = z
  .object({
    location: LocationCode,
    sku: Id,
    /** OPC-UA node id of the bin's weight variable (grams), for OPC-UA shelves. */
    nodeId: z.string().min(1).max(200).optional(),
    /** The empty bin's weight as its cell reports it, grams; 0 when absent (the cell reports net load). */
    tareG: z.number().finite().min(-1_000_000).max(10_000_000).optional(),
    /** The load cell's rated capacity, grams: a reading above it raises LOAD_CELL_FAULT (out of range). */
    capacityG: z.number().finite().positive().max(10_000_000).optional(),
    /**
     * Grams a settled reading may stray from a whole number of units, and the
     * band a settling reading must stay in, for an item without its own
     * `weightToleranceG`; absent too: a tenth of the unit weight.
     */
    toleranceG: z.number().finite().min(0).max(1_000_000).optional(),
  })
  .strict();
export type ShelfBin = z.infer<typeof ShelfBin>;

/**
 * Where an OPC-UA shelf's bin variables are found by browsing instead of by
 * node id: the variables organized by (or components of) `folderNodeId` whose
 * browse name is `binPattern` with `{location}` replaced by the bin's
 * location code, or `{bin}` by its last segment (`W-{bin}` finds `W-A1` for
 * `DEMO/PICK/A1`). A bin's own `nodeId` wins over browsing.
 */
export const OpcuaBrowse = z
  .object({
    folderNodeId: z.string().min(1).max(200),
    binPattern: z
      .string()
      .min(1)
      .max(200)
      .refine((p) => (p.match(/\{(location|bin)\}/g) ?? []).length === 1, {
        message: "binPattern needs exactly one {location} or {bin}",
      }),
  })
  .strict();
export type OpcuaBrowse = z.infer<typeof OpcuaBrowse>;

/**
 * How an OPC-UA shelf's bins are watched on the server (IEC 62541-4 §5.12,
 * §5.13): the server samples each weight every `samplingIntervalMs` (0: on
 * every change), keeps up to `queueSize` values per bin between publishes
 * (oldest dropped), and publishes every `publishingIntervalMs` (default: the
 * sampling interval, at least 50 ms). Defaults: 100 ms sampling, queue 10.
 */
export const OpcuaSampling = z
  .object({
    samplingIntervalMs: z.number().int().min(0).max(3_600_000).optional(),
    queueSize: z.number().int().min(1).max(10_000).optional(),
    publishingIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
  })
  .strict();
export type OpcuaSampling = z.infer<typeof OpcuaSampling>;

/** A smart shelf: load cells per bin, read over OPC-UA or pushed over MQTT. */
export const ShelfDevice = z
  .object({
    id: Id,
    kind: z.literal("shelf"),
    transport: z.enum(["opcua", "mqtt"]),
    /** OPC-UA endpoint, e.g. `opc.tcp://127.0.0.1:4840`; required for OPC-UA shelves. */
    endpointUrl: z.string().max(500).optional(),
    bins: z.array(ShelfBin).min(1),
    /** OPC-UA session security and user identity; without it None/anonymous, for development mode only. */
    security: OpcuaShelfSecurity.optional(),
    /** OPC-UA shelves: find the bins' weight variables by browsing a folder (bins without `nodeId`). */
    browse: OpcuaBrowse.optional(),
    /** OPC-UA shelves: sampling interval, queue size and publishing interval on the server. */
    sampling: OpcuaSampling.optional(),
    /** MQTT shelves only: OPC-UA shelves are watched through their session. */
    heartbeat: SendsHeartbeat,
    /** A bin's reading counts once it has stayed within its tolerance band this long, ms (default 300). */
    settleMs: z.number().int().min(0).max(60_000).optional(),
    /**
     * Where refills of this shelf come from: a rise of whole units on a bin
     * is then a PUTAWAY from here into the bin. Absent: rises move nothing
     * (the putaway scan records them).
     */
    replenishFrom: LocationCode.optional(),
    /** Seconds the shelf's units may disagree with the ledger's before a COUNT_MISMATCH task (default 600). */
    mismatchGraceS: z.number().min(0).max(604_800).optional(),
    /**
     * Seconds of exactly repeated readings of a bin (at least 5) after which
     * its cell counts as stuck (LOAD_CELL_FAULT). Absent or 0: not checked,
     * because cells that report whole grams repeat exactly on a quiet bin.
     */
    stuckAfterS: z.number().min(0).max(604_800).optional(),
    /**
     * Seconds either side within which a scanned PICK or PUTAWAY and a settled change of one of this shelf's
     * bins (same location and SKU) are one movement (default 10; 0: never fused, each is checked alone).
     */
    fusionWindowS: z.number().min(0).max(600).optional(),
    /**
     * A drop of a bin that nobody scanned within the fusion window, when no open expected shipment lists its
     * SKU: `suspect` (default) raises SUSPECTED_THEFT and moves the units out by a low-confidence ADJUSTMENT;
     * `allow` makes it an unscanned PICK, for bins picked without a scanner by design.
     */
    unscannedPicks: z.enum(["suspect", "allow"]).optional(),
    /**
     * Correction-task checks of the shelf, each on unless set to false.
     * `wholeUnits`: a settled change that is not whole units raises
     * WEIGHT_NOT_WHOLE_UNITS (off for bins of goods whose weight varies more
     * than their tolerance; the change then moves nothing and the count
     * check still compares the bin with the ledger). `scanWithoutChange`: a
     * scanned PICK or PUTAWAY at one of its bins with no change within the
     * fusion window raises SCAN_WITHOUT_SHELF_CHANGE (off where goods are
     * scanned to a bin long before or after they are put there; the scan's
     * movement posts either way).
     */
    checks: z
      .object({ wholeUnits: z.boolean().optional(), scanWithoutChange: z.boolean().optional() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((d) => d.transport !== "opcua" || d.endpointUrl !== undefined, {
    message: "an OPC-UA shelf needs endpointUrl",
    path: ["endpointUrl"],
  })
  .refine((d) => d.transport !== "opcua" || d.browse !== undefined || d.bins.every((b) => b.nodeId !== undefined), {
    message: "every bin of an OPC-UA shelf needs nodeId, or the shelf a browse folder",
    path: ["bins"],
  })
  .refine((d) => d.transport === "opcua" || (d.browse === undefined && d.sampling === undefined), {
    message: "browse and sampling apply to OPC-UA shelves only",
    path: ["browse"],
  })
  .refine((d) => d.transport === "opcua" || d.security === undefined, {
    message: "security applies to OPC-UA shelves only",
    path: ["security"],
  });
export type ShelfDevice = z.infer<typeof ShelfDevice>;

export const TemperatureDevice = z
  .object({
    id: Id,
    kind: z.literal("temperature"),
    location: LocationCode,
    /** Seconds a reading may stay out of range before a condition is raised. */
    graceS: z.number().min(0).max(86_400).default(0),
    /**
     * Seconds of exactly repeated readings (device time, at least 5 of them)
     * after which the sensor counts as stuck: a live sensor's noise moves its
     * value. 0 turns the check off.
     */
    stuckAfterS: z.number().min(0).max(604_800).default(600),
    /**
     * °C a reading must come back inside the range before an excursion
     * clears, so a sensor hovering at the limit does not flap.
     */
    hysteresisC: z.number().min(0).max(20).default(0.5),
    /**
     * Rate-of-change limit in °C per minute (either direction), over
     * `rateWindowS`: a freezer warming this fast is an alert before its limit
     * is crossed. Absent: no rate alerts.
     */
    maxRateCPerMin: z.number().positive().max(100).optional(),
    rateWindowS: z.number().min(10).max(3_600).default(120),
    /** A gap between readings longer than this counts as unknown time, not as fine. */
    gapS: z.number().min(1).max(86_400).default(60),
    /** Seconds of full-rate readings sent before and after each excursion. */
    excursionWindowS: z.number().min(0).max(3_600).default(300),
    heartbeat: SendsHeartbeat,
  })
  .strict();
export type TemperatureDevice = z.infer<typeof TemperatureDevice>;

export const Device = z.discriminatedUnion("kind", [RfidPortalDevice, ScannerDevice, ShelfDevice, TemperatureDevice]);
export type Device = z.infer<typeof Device>;
export type DeviceKind = Device["kind"];

/** 14-digit GTIN (shorter GTINs are left-padded with zeros). */
export const Gtin14 = z.string().regex(/^\d{14}$/, "expected a 14-digit GTIN");

export const Item = z
  .object({
    sku: Id,
    name: z.string().max(200).optional(),
    gtins: z.array(Gtin14).default([]),
    /** Weight of one unit, in grams. */
    unitWeightG: z.number().positive().optional(),
    /** Allowed deviation from a whole number of units, in grams. */
    weightToleranceG: z.number().min(0).optional(),
    temperatureClass: TemperatureClass.default("ambient"),
    reorderPoint: z.number().int().min(0).optional(),
    safetyStock: z.number().int().min(0).optional(),
  })
  .strict();
export type Item = z.infer<typeof Item>;

/**
 * The site layout file, shared by simulators, edge and cloud. Validated for
 * shape here and for references (zones, locations, SKUs) by `parseSiteLayout`.
 */
export const SiteLayout = z
  .object({
    siteId: Id,
    name: z.string().max(200).optional(),
    zones: z.array(Zone).min(1),
    locations: z.array(Location).min(1),
    devices: z.array(Device).default([]),
    items: z.array(Item).default([]),
  })
  .strict()
  .superRefine((site, ctx) => {
    const zones = new Set(site.zones.map((z) => z.id));
    const locations = new Set(site.locations.map((l) => l.code));
    const skus = new Set(site.items.map((i) => i.sku));
    const dup = (values: string[], what: string, path: string) => {
      const seen = new Set<string>();
      for (const v of values) {
        if (seen.has(v)) ctx.addIssue({ code: "custom", message: `duplicate ${what} ${v}`, path: [path] });
        seen.add(v);
      }
    };
    dup(
      site.zones.map((z) => z.id),
      "zone",
      "zones",
    );
    dup(
      site.locations.map((l) => l.code),
      "location",
      "locations",
    );
    dup(
      site.devices.map((d) => d.id),
      "device",
      "devices",
    );
    dup(
      site.items.map((i) => i.sku),
      "sku",
      "items",
    );
    dup(
      site.items.flatMap((i) => i.gtins),
      "gtin",
      "items",
    );
    // A label must name one location: (GLN, extension) pairs are unique, a bare GLN counting as one.
    dup(
      site.locations.flatMap((l) => (l.gln === undefined ? [] : [glnKey(l.gln, l.glnExtension)])),
      "location GLN",
      "locations",
    );
    site.locations.forEach((l, i) => {
      if (!zones.has(l.zone))
        ctx.addIssue({ code: "custom", message: `unknown zone ${l.zone}`, path: ["locations", i, "zone"] });
      const [siteId, zoneId] = l.code.split("/");
      if (siteId !== site.siteId)
        ctx.addIssue({
          code: "custom",
          message: `location ${l.code} is not in site ${site.siteId}`,
          path: ["locations", i, "code"],
        });
      if (zoneId !== l.zone)
        ctx.addIssue({
          code: "custom",
          message: `location ${l.code} is not in zone ${l.zone}`,
          path: ["locations", i, "code"],
        });
    });
    site.devices.forEach((d, i) => {
      const used =
        d.kind === "shelf"
          ? d.bins.map((b) => b.location)
          : d.kind === "rfid-portal" && d.zonePortal !== undefined
            ? [d.location, d.zonePortal.inside, d.zonePortal.outside]
            : d.kind === "scanner" && d.returnsLocation !== undefined
              ? [d.location, d.returnsLocation]
              : [d.location];
      for (const code of used) {
        if (!locations.has(code))
          ctx.addIssue({ code: "custom", message: `unknown location ${code}`, path: ["devices", i] });
      }
      if (d.kind === "shelf") {
        if (d.replenishFrom !== undefined && !locations.has(d.replenishFrom))
          ctx.addIssue({
            code: "custom",
            message: `unknown location ${d.replenishFrom}`,
            path: ["devices", i, "replenishFrom"],
          });
        for (const b of d.bins) {
          if (!skus.has(b.sku))
            ctx.addIssue({ code: "custom", message: `unknown sku ${b.sku}`, path: ["devices", i, "bins"] });
        }
      }
    });
  });
export type SiteLayout = z.infer<typeof SiteLayout>;

/** The allowed temperature range of a zone: its own range, else its class's. */
export function zoneTemperatureRange(zone: Zone): TemperatureRange {
  return zone.temperatureRange ?? TEMPERATURE_CLASS_RANGES[zone.temperatureClass];
}

/** How a location's label is looked up: its GLN, then its AI 254 extension when it has one. */
export function glnKey(gln: string, extension?: string): string {
  return extension === undefined ? gln : `${gln}/${extension}`;
}

/** The zone id of a `SITE/ZONE/BIN` code. */
export function zoneOfLocation(code: string): string {
  return code.split("/")[1] ?? "";
}
