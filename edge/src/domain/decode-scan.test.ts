import { type ScanMessage, type SiteLayout, SiteLayout as SiteLayoutSchema } from "@tally/protocols";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { demoSite } from "../testing/demo-site.js";
import { decodeDeviceMessage } from "./decode-device-message.js";
import { decodeScan } from "./decode-scan.js";
import { readScanLocation } from "./read-scan-location.js";
import { indexSite } from "./site-index.js";

// GS1 Digital Link / URI syntax worked example: GLN 9520123456788 with extension `32a/b` (AI 254).
const GLN = "9520123456788";
const demo = demoSite();
const layout: SiteLayout = SiteLayoutSchema.parse({
  ...demo,
  locations: [
    ...demo.locations.map((l) =>
      l.code === "DEMO/PICK/A1"
        ? { ...l, gln: GLN, glnExtension: "32a/b" }
        : l.code === "DEMO/PICK/A2"
          ? { ...l, gln: GLN }
          : l,
    ),
    { code: "DEMO/DOCK/RET", zone: "DOCK", gln: "0614141000005" },
  ],
  devices: [
    ...demo.devices,
    { id: "scanner-r", kind: "scanner", location: "DEMO/DOCK/D1", returnsLocation: "DEMO/DOCK/RET" },
  ],
});
const site = indexSite(layout);
const scanner = (id = "scanner-1") => {
  const device = site.device(id);
  if (device === undefined) throw new Error(`no ${id}`);
  return device;
};
const at = "2026-11-22T08:00:00.000Z";
const decode = (fields: Partial<ScanMessage>, id = "scanner-1") =>
  decodeScan(site, id, scanner(id), { gtin: "00614141000043", qty: 1, action: "RECEIPT", scannedAt: at, ...fields });
const where = (fields: Partial<ScanMessage>, id?: string) => {
  const out = decode(fields, id);
  return out.ok ? { location: out.value.location, from: out.value.fromLocation } : out.error.code;
};

describe("decodeScan", () => {
  it("defaults each mode's location to the scanner's, and RETURN to its returnsLocation", () => {
    for (const action of ["RECEIPT", "PICK", "COUNT", "SHIP"] as const) {
      expect(where({ action })).toEqual({ location: "DEMO/DOCK/D1", from: undefined });
    }
    expect(where({ action: "RETURN" }, "scanner-r")).toEqual({ location: "DEMO/DOCK/RET", from: undefined });
    expect(where({ action: "RETURN", location: "DEMO/PICK/A1" }, "scanner-r")).toMatchObject({
      location: "DEMO/PICK/A1",
    });
    expect(where({ action: "PUTAWAY", fromLocation: "DEMO/DOCK/D1", location: "DEMO/PICK/A1" })).toEqual({
      location: "DEMO/PICK/A1",
      from: "DEMO/DOCK/D1",
    });
  });

  it.each([
    ["bracketed, GLN and extension", `(414)${GLN}(254)32a/b`, "DEMO/PICK/A1"],
    ["bracketed, GLN alone", `(414)${GLN}`, "DEMO/PICK/A2"],
    ["a Digital Link URI", `https://id.gs1.org/414/${GLN}/254/32a%2Fb`, "DEMO/PICK/A1"],
    ["a Digital Link URI behind ]Q1", `]Q1https://id.gs1.org/414/${GLN}`, "DEMO/PICK/A2"],
    ["raw GS1-128 (]C1): fixed-length 414 needs no FNC1", `]C1414${GLN}25432a/b`, "DEMO/PICK/A1"],
    ["raw GS1 DataMatrix (]d2)", "]d24140614141000005", "DEMO/DOCK/RET"],
  ])("maps a location label %s to its site location", (_, label, code) => {
    expect(where({ action: "PICK", location: label })).toMatchObject({ location: code });
    expect(where({ action: "PUTAWAY", fromLocation: label, location: "DEMO/COLD/C1" })).toMatchObject({ from: code });
  });

  it.each([
    ["an unknown site code", { location: "DEMO/NOWHERE/X" }, "TALLY_ERR_LOCATION_UNKNOWN", /not in the site file/],
    ["a GLN on no location", { location: "(414)0614141000012" }, "TALLY_ERR_LOCATION_UNKNOWN", /0614141000012/],
    [
      "a known GLN with an unknown extension",
      { location: `(414)${GLN}(254)Z9` },
      "TALLY_ERR_LOCATION_UNKNOWN",
      /extension Z9/,
    ],
    ["a GLN with a wrong check digit", { location: "(414)9520123456789" }, "TALLY_ERR_SCAN_LOCATION_INVALID", /414/],
    [
      "an item barcode scanned as the location",
      { location: "(01)00614141000043" },
      "TALLY_ERR_SCAN_LOCATION_INVALID",
      /item code/,
    ],
    ["control characters", { location: "\u0000\u001d\u0007" }, "TALLY_ERR_SCAN_LOCATION_INVALID", /\?\?\?/],
    [
      "a bad fromLocation",
      { action: "PUTAWAY", fromLocation: "(414)9520123456789", location: "DEMO/PICK/A1" },
      "TALLY_ERR_SCAN_LOCATION_INVALID",
      /^fromLocation: /,
    ],
    ["a PUTAWAY without fromLocation", { action: "PUTAWAY" }, "TALLY_ERR_SCAN_INCOMPLETE", /fromLocation/],
    [
      "a PUTAWAY onto where it came from",
      { action: "PUTAWAY", fromLocation: `(414)${GLN}`, location: "DEMO/PICK/A2" },
      "TALLY_ERR_SCAN_INCOMPLETE",
      /to itself/,
    ],
    [
      "a fromLocation on a PICK",
      { action: "PICK", fromLocation: "DEMO/DOCK/D1" },
      "TALLY_ERR_SCAN_INCOMPLETE",
      /only PUTAWAY/,
    ],
    ["a RETURN with nowhere to go", { action: "RETURN" }, "TALLY_ERR_SCAN_INCOMPLETE", /no returnsLocation/],
  ] as const)("refuses %s", (_, fields, code, reason) => {
    const out = decode(fields);
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error.code).toBe(code);
      expect(out.error.reason).toMatch(reason);
    }
  });

  it("carries the operator id; a long or control-character one is a schema dead letter", () => {
    const send = (operatorId: unknown) =>
      decodeDeviceMessage(
        site,
        "tally/v1/DEMO/dev/scanner-1/scan",
        Buffer.from(JSON.stringify({ gtin: "00614141000043", action: "SHIP", operatorId, scannedAt: at })),
      );
    expect(send("op-17")).toMatchObject({ ok: true, value: [{ operatorId: "op-17", action: "SHIP" }] });
    expect(send("Zoë Ångström")).toMatchObject({ ok: true, value: [{ operatorId: "Zoë Ångström" }] });
    for (const hostile of ["x".repeat(65), "op\u0000", "op\n17", "", 17]) {
      expect(send(hostile)).toMatchObject({ ok: false, error: { code: "TALLY_ERR_MSG_SCHEMA" } });
    }
  });

  it("refuses an unknown action (a mode the protocol does not have)", () => {
    const out = decodeDeviceMessage(
      site,
      "tally/v1/DEMO/dev/scanner-1/scan",
      Buffer.from(JSON.stringify({ gtin: "00614141000043", action: "TRANSFER", scannedAt: at })),
    );
    expect(out).toMatchObject({ ok: false, error: { code: "TALLY_ERR_MSG_SCHEMA" } });
  });

  it("reads any string as a location without throwing, and only ever answers a location of the site", () => {
    const known = new Set(layout.locations.map((l) => l.code));
    const label = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 30, unit: "binary" }).map((tail) => `(414)${GLN}(254)${tail}`),
      fc.string({ maxLength: 30 }).map((tail) => `]C1414${GLN}${tail}`),
      fc.stringMatching(/^\d{13}$/).map((gln) => `https://id.gs1.org/414/${gln}`),
    );
    fc.assert(
      fc.property(label, (scanned) => {
        const out = readScanLocation(site, scanned);
        if (out.ok) expect(known.has(out.value)).toBe(true);
        else expect(out.error.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 2_000 },
    );
  });
});
