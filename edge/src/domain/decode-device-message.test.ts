import { describe, expect, it } from "vitest";
import { demoSite } from "../testing/demo-site.js";
import { decodeDeviceMessage } from "./decode-device-message.js";
import { indexSite } from "./site-index.js";

const site = indexSite(demoSite());
const at = "2026-11-22T08:00:00.000Z";
const decode = (topic: string, payload: unknown) =>
  decodeDeviceMessage(site, topic, Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)));

describe("decodeDeviceMessage", () => {
  it("decodes reads into one observation per read", () => {
    const result = decode("tally/v1/DEMO/dev/portal-d1/read", {
      reads: [
        { epc: "3074257bf7194e4000001a85", antenna: 1, rssi: -50, readAt: at },
        { epc: "3074257BF7194E4000001A85", antenna: 2, rssi: -45, readAt: at },
      ],
    });
    expect(result).toMatchObject({
      ok: true,
      value: [
        { type: "tag-read", deviceId: "portal-d1", epc: "3074257BF7194E4000001A85", antenna: 1 },
        { type: "tag-read", antenna: 2 },
      ],
    });
  });

  it("names each read by its reader, device time and place in the message (a replay makes the same ids)", () => {
    const result = decode("tally/v1/DEMO/dev/portal-d1/read", {
      reads: [
        { epc: "3074257BF7194E4000001A85", antenna: 1, rssi: -50, readAt: "2026-11-22T08:00:01.234Z" },
        { epc: "3074257BF7194E4000001A86", antenna: 2, rssi: -45, readAt: "2026-11-22T08:00:01.236Z" },
      ],
    });
    expect(result.ok && result.value.map((o) => o.id)).toEqual([
      "portal-d1/2026-11-22T08:00:01.234Z/0",
      "portal-d1/2026-11-22T08:00:01.236Z/1",
    ]);
  });

  it("gives each read its device time as a number too, so no stage parses it again", () => {
    const result = decode("tally/v1/DEMO/dev/portal-d1/read", {
      reads: [{ epc: "3074257BF7194E4000001A85", antenna: 1, rssi: -50, readAt: "2026-11-22T08:00:01.234+01:00" }],
    });
    expect(result).toMatchObject({
      ok: true,
      value: [{ at: "2026-11-22T07:00:01.234Z", atMs: Date.parse("2026-11-22T07:00:01.234Z") }],
    });
  });

  it("decodes a heartbeat and an offline will, which has no time of its own", () => {
    expect(decode("tally/v1/DEMO/dev/portal-d1/hb", { sentAt: at })).toEqual({
      ok: true,
      value: [{ type: "heartbeat", id: `portal-d1/${at}`, deviceId: "portal-d1", at }],
    });
    expect(decode("tally/v1/DEMO/dev/portal-d1/hb", { status: "offline" })).toEqual({
      ok: true,
      value: [{ type: "heartbeat", id: "portal-d1/offline", deviceId: "portal-d1", status: "offline" }],
    });
  });

  it("takes a reader's own events without reads (a Zebra heartbeat) as a sign of life", () => {
    const zebraHeartbeat = {
      type: "heartbeat",
      timestamp: "2026-01-01T12:00:01.000+0000",
      data: { radioConnection: "connected", temperature: 41 },
    };
    expect(decode("tally/v1/DEMO/dev/portal-d1/read", zebraHeartbeat)).toEqual({
      ok: true,
      value: [{ type: "heartbeat", id: "portal-d1/reader-event", deviceId: "portal-d1" }],
    });
  });

  it("judges each topic against its own site index, however often it was seen before", () => {
    const read = Buffer.from(
      JSON.stringify({ reads: [{ epc: "3074257BF7194E4000001A85", antenna: 1, rssi: -50, readAt: at }] }),
    );
    const topic = "tally/v1/DEMO/dev/portal-d1/read";
    expect(decodeDeviceMessage(site, topic, read).ok).toBe(true);
    expect(decodeDeviceMessage(site, topic, read).ok).toBe(true);
    const withoutPortal = indexSite({ ...demoSite(), devices: demoSite().devices.filter((d) => d.id !== "portal-d1") });
    expect(decodeDeviceMessage(withoutPortal, topic, read)).toEqual({
      ok: false,
      error: {
        code: "TALLY_ERR_DEVICE_UNKNOWN",
        reason: "no device portal-d1 in the site file",
        deviceId: "portal-d1",
      },
    });
    expect(decodeDeviceMessage(site, "tally/v1/DEMO/dev/portal-d1/temp", read)).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_DEVICE_CHANNEL" },
    });
  });

  it("gives temperatures and scans the device's location", () => {
    expect(decode("tally/v1/DEMO/dev/temp-c1/temp", { celsius: 4, measuredAt: at })).toMatchObject({
      ok: true,
      value: [{ type: "temperature", location: "DEMO/COLD/C1", celsius: 4 }],
    });
    expect(
      decode("tally/v1/DEMO/dev/scanner-1/scan", { gtin: "00614141000043", qty: 24, action: "RECEIPT", scannedAt: at }),
    ).toMatchObject({
      ok: true,
      value: [{ type: "scan", location: "DEMO/DOCK/D1", qty: 24 }],
    });
  });

  it("reads a scan's GS1 barcode: GTIN, lot, expiry and count", () => {
    expect(
      decode("tally/v1/DEMO/dev/scanner-1/scan", {
        code: "]d20100614141000043172712311020261122A\u001d3024",
        action: "RECEIPT",
        scannedAt: at,
      }),
    ).toMatchObject({
      ok: true,
      value: [{ type: "scan", gtin: "00614141000043", lot: "20261122A", expiry: "2027-12-31", qty: 24 }],
    });
  });

  it.each([
    [
      "tally/v1/DEMO/dev/scanner-1/scan",
      { code: "(01)00614141000044", action: "PICK", scannedAt: at },
      "TALLY_ERR_BARCODE_INVALID",
      "scanner-1",
    ],
    [
      "tally/v1/DEMO/dev/scanner-1/scan",
      { gtin: "00614141000043", code: "(01)00614141000043", action: "PICK", scannedAt: at },
      "TALLY_ERR_MSG_SCHEMA",
      "scanner-1",
    ],
    ["tally/v1/DEMO/dev/scanner-1/scan", { action: "PICK", scannedAt: at }, "TALLY_ERR_MSG_SCHEMA", "scanner-1"],
    // Found by the fuzz suite: a barcode counting 0 (or more than a scan may) became a movement the cloud refused.
    [
      "tally/v1/DEMO/dev/scanner-1/scan",
      { code: "(01)00614141000043(30)0", action: "RECEIPT", scannedAt: at },
      "TALLY_ERR_BARCODE_INVALID",
      "scanner-1",
    ],
    [
      "tally/v1/DEMO/dev/scanner-1/scan",
      { code: "(01)00614141000043(37)99999999", action: "RECEIPT", scannedAt: at },
      "TALLY_ERR_BARCODE_INVALID",
      "scanner-1",
    ],
    ["tally/v1/DEMO/dev/portal-d1/bogus", {}, "TALLY_ERR_TOPIC_UNKNOWN", undefined],
    ["tally/v1/OTHER/dev/portal-d1/read", {}, "TALLY_ERR_TOPIC_UNKNOWN", "portal-d1"],
    ["tally/v1/DEMO/dev/ghost/read", {}, "TALLY_ERR_DEVICE_UNKNOWN", "ghost"],
    ["tally/v1/DEMO/dev/temp-c1/read", {}, "TALLY_ERR_DEVICE_CHANNEL", "temp-c1"],
    ["tally/v1/DEMO/dev/portal-d1/read", "not json", "TALLY_ERR_MSG_NOT_JSON", "portal-d1"],
    ["tally/v1/DEMO/dev/portal-d1/read", { reads: "all of them" }, "TALLY_ERR_MSG_SCHEMA", "portal-d1"],
    ["tally/v1/DEMO/dev/portal-d1/read", "x".repeat(300_000), "TALLY_ERR_MSG_TOO_LARGE", "portal-d1"],
    [
      "tally/v1/DEMO/dev/scanner-1/scan",
      { gtin: "00614141000043", action: "PUTAWAY", scannedAt: at },
      "TALLY_ERR_SCAN_INCOMPLETE",
      "scanner-1",
    ],
    [
      "tally/v1/DEMO/dev/scanner-1/scan",
      { gtin: "00614141000043", action: "PICK", location: "DEMO/NOWHERE/X", scannedAt: at },
      "TALLY_ERR_LOCATION_UNKNOWN",
      "scanner-1",
    ],
  ])("refuses %s %j with %s", (topic, payload, code, deviceId) => {
    const result = decode(topic, payload);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.deviceId).toBe(deviceId);
    }
  });

  it("never throws on random bytes", () => {
    for (let i = 0; i < 500; i++) {
      const bytes = Buffer.from(Array.from({ length: i % 64 }, (_, j) => (i * 31 + j * 17) % 256));
      expect(decodeDeviceMessage(site, "tally/v1/DEMO/dev/portal-d1/read", bytes).ok).toBe(false);
    }
  });
});
