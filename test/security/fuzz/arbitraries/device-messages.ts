import { DEVICE_CHANNELS, type DeviceChannel, formatBracketed, hasControlCharacter } from "@tally/protocols";
import fc from "fast-check";
import { FUZZ_GTINS, FUZZ_LOCATIONS, FUZZ_SITE } from "./fuzz-site.js";
import { hostileString } from "./hostile-json.js";

/** An ISO 8601 time with a zone, in UTC or with an offset. */
export const timestamp: fc.Arbitrary<string> = fc
  .tuple(
    fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-12-31T00:00:00Z"), noInvalidDate: true }),
    fc.constantFrom("Z", "+01:00", "-05:30"),
  )
  .map(([date, zone]) => (zone === "Z" ? date.toISOString() : date.toISOString().replace("Z", zone)));

/** An EPC bank as hex, 4 to 62 bytes, in either case. */
export const epcHex: fc.Arbitrary<string> = fc
  .tuple(fc.uint8Array({ minLength: 4, maxLength: 62 }), fc.boolean())
  .map(([bytes, upper]) => {
    const hex = Buffer.from(bytes).toString("hex");
    return upper ? hex.toUpperCase() : hex;
  });

export const tagRead = fc.record({
  epc: epcHex,
  antenna: fc.integer({ min: 1, max: 64 }),
  rssi: fc.integer({ min: -120, max: 0 }),
  readAt: timestamp,
});

export const readMessage = fc.record({ reads: fc.array(tagRead, { minLength: 1, maxLength: 5 }) });

const lot = fc.stringMatching(/^[A-Z0-9]{1,20}$/);

/** A GS1 barcode for one of the site's items, bracketed: GTIN, and maybe lot, expiry and a count. */
const scanCode = fc
  .record(
    {
      gtin: fc.constantFrom(...FUZZ_GTINS),
      lot,
      expiry: fc.date({
        min: new Date("2027-01-01T00:00:00Z"),
        max: new Date("2040-12-31T00:00:00Z"),
        noInvalidDate: true,
      }),
      count: fc.integer({ min: 1, max: 9999 }),
    },
    { requiredKeys: ["gtin"] },
  )
  .map(({ gtin, lot, expiry, count }) => {
    const elements = [{ ai: "01", raw: gtin }];
    if (lot !== undefined) elements.push({ ai: "10", raw: lot });
    if (expiry !== undefined) elements.push({ ai: "17", raw: expiry.toISOString().slice(2, 10).replaceAll("-", "") });
    if (count !== undefined) elements.push({ ai: "30", raw: String(count) });
    return formatBracketed(elements);
  });

const item = fc.oneof(
  fc.constantFrom(...FUZZ_GTINS).map((gtin) => ({ gtin })),
  scanCode.map((code) => ({ code })),
);

const site = fc.constantFrom(...FUZZ_LOCATIONS);

/** An operator id as a site would give one: printable, any script, 1 to 64 characters. */
const operatorId = fc
  .string({ minLength: 1, maxLength: 64, unit: "grapheme" })
  .filter((id) => id.length <= 64 && !hasControlCharacter(id));

export const scanMessage = fc.oneof(
  fc
    .tuple(item, fc.constantFrom("RECEIPT", "PICK", "COUNT", "SHIP"), fc.option(site, { nil: undefined }))
    .chain(([it, action, location]) =>
      fc
        .record(
          {
            qty: fc.integer({ min: 1, max: 100_000 }),
            scannedAt: timestamp,
            lot,
            operatorId,
          },
          { requiredKeys: ["qty", "scannedAt"] },
        )
        .map((rest) => ({ ...it, action, ...(location === undefined ? {} : { location }), ...rest })),
    ),
  // A RETURN names its location: the fuzz site's scanners have no returnsLocation.
  fc
    .tuple(item, site, timestamp)
    .map(([it, location, scannedAt]) => ({ ...it, action: "RETURN", location, scannedAt })),
  // A PUTAWAY moves between two different locations.
  fc
    .tuple(item, fc.uniqueArray(site, { minLength: 2, maxLength: 2 }), timestamp)
    .map(([it, [location, fromLocation], scannedAt]) => ({
      ...it,
      action: "PUTAWAY",
      location,
      fromLocation,
      scannedAt,
    })),
);

const shelfBins = FUZZ_SITE.devices.flatMap((d) => (d.kind === "shelf" ? d.bins.map((b) => b.location) : []));

export const weightMessage = fc.record({
  location: fc.constantFrom(...shelfBins),
  grams: fc.double({ min: -1_000_000, max: 10_000_000, noNaN: true, noDefaultInfinity: true }),
  measuredAt: timestamp,
});

export const temperatureMessage = fc.record({
  celsius: fc.double({ min: -100, max: 150, noNaN: true, noDefaultInfinity: true }),
  measuredAt: timestamp,
});

export const heartbeatMessage = fc.record(
  { sentAt: timestamp, uptimeS: fc.nat(), batteryPct: fc.integer({ min: 0, max: 100 }) },
  { requiredKeys: ["sentAt"] },
);

/** A valid message for each channel (reads in Tally's generic form). */
export const VALID_MESSAGES: Readonly<Record<DeviceChannel, fc.Arbitrary<unknown>>> = {
  read: readMessage,
  scan: scanMessage,
  weight: weightMessage,
  temp: temperatureMessage,
  hb: heartbeatMessage,
};

/** The site's devices with each channel they publish on. */
export const DEVICE_TOPICS: readonly { deviceId: string; channel: DeviceChannel; format?: string }[] =
  FUZZ_SITE.devices.flatMap((d) => {
    const own: DeviceChannel =
      d.kind === "rfid-portal" ? "read" : d.kind === "scanner" ? "scan" : d.kind === "shelf" ? "weight" : "temp";
    const format = d.kind === "rfid-portal" ? (d.format ?? "detect") : undefined;
    return [
      { deviceId: d.id, channel: own, ...(format === undefined ? {} : { format }) },
      { deviceId: d.id, channel: "hb" as const },
    ];
  });

/** Topics that are not one of the site's devices on one of its channels. */
export const hostileTopic: fc.Arbitrary<string> = fc.oneof(
  hostileString,
  fc
    .tuple(fc.constantFrom("FZ", "OTHER", ""), hostileString, fc.constantFrom(...DEVICE_CHANNELS, "x", ""))
    .map(([siteId, device, channel]) => `tally/v1/${siteId}/dev/${device}/${channel}`),
  fc
    .tuple(fc.constantFrom(...FUZZ_SITE.devices.map((d) => d.id)), fc.constantFrom(...DEVICE_CHANNELS))
    .map(([device, channel]) => `tally/v1/FZ/dev/${device}/${channel}`),
  fc.constantFrom(
    "tally/v1/FZ/dev/scanner-1/scan/extra",
    "tally/v1//dev//",
    "#",
    "+/+/+",
    "tally/v1/FZ/dev/__proto__/hb",
  ),
);
