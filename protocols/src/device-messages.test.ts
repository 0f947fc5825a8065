import { describe, expect, it } from "vitest";
import { MAX_DEVICE_MESSAGE_BYTES, parseDeviceMessage } from "./device-messages.js";

const read = { epc: "3074257BF7194E4000001A85", antenna: 1, rssi: -55, readAt: "2026-11-22T08:00:00.000Z" };

describe("parseDeviceMessage", () => {
  it("accepts each channel's generic JSON", () => {
    expect(parseDeviceMessage("read", JSON.stringify({ reads: [read] })).ok).toBe(true);
    expect(
      parseDeviceMessage("scan", JSON.stringify({ gtin: "09506000134352", action: "PICK", scannedAt: read.readAt })),
    ).toMatchObject({ ok: true, value: { channel: "scan", message: { qty: 1 } } });
    expect(
      parseDeviceMessage("temp", JSON.stringify({ celsius: 4.5, measuredAt: "2026-11-22T08:00:00+0100" })).ok,
    ).toBe(false);
    expect(
      parseDeviceMessage("temp", JSON.stringify({ celsius: 4.5, measuredAt: "2026-11-22T08:00:00+01:00" })).ok,
    ).toBe(true);
    expect(parseDeviceMessage("hb", Buffer.from(JSON.stringify({ sentAt: read.readAt }))).ok).toBe(true);
    expect(
      parseDeviceMessage("weight", JSON.stringify({ location: "DEMO/PICK/A1", grams: 1250, measuredAt: read.readAt }))
        .ok,
    ).toBe(true);
  });

  it("takes a device's word on its link on hb: an offline will may leave out sentAt, nothing else may", () => {
    expect(parseDeviceMessage("hb", JSON.stringify({ status: "offline" }))).toMatchObject({
      ok: true,
      value: { channel: "hb", message: { status: "offline" } },
    });
    expect(parseDeviceMessage("hb", JSON.stringify({ status: "online", sentAt: read.readAt })).ok).toBe(true);
    expect(parseDeviceMessage("hb", JSON.stringify({ status: "online" }))).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_MSG_SCHEMA" },
    });
    expect(parseDeviceMessage("hb", JSON.stringify({}))).toMatchObject({ ok: false });
    expect(parseDeviceMessage("hb", JSON.stringify({ status: "asleep", sentAt: read.readAt }))).toMatchObject({
      ok: false,
    });
  });

  it.each([
    ["read", "", "TALLY_ERR_MSG_NOT_JSON"],
    ["read", "{", "TALLY_ERR_MSG_NOT_JSON"],
    ["read", "\u0000\u0001", "TALLY_ERR_MSG_NOT_JSON"],
    ["read", "null", "TALLY_ERR_MSG_SCHEMA"],
    ["read", "[]", "TALLY_ERR_MSG_SCHEMA"],
    ["read", JSON.stringify({ reads: [] }), "TALLY_ERR_MSG_SCHEMA"],
    ["read", JSON.stringify({ reads: [{ ...read, epc: "zz" }] }), "TALLY_ERR_MSG_SCHEMA"],
    ["read", JSON.stringify({ reads: [{ ...read, rssi: "loud" }] }), "TALLY_ERR_MSG_SCHEMA"],
    ["read", JSON.stringify({ reads: [{ ...read, readAt: "yesterday" }] }), "TALLY_ERR_MSG_SCHEMA"],
    ["read", `{"reads":[${JSON.stringify(read)}],"__proto__":{"admin":true}}`, "TALLY_ERR_MSG_SCHEMA"],
    ["read", '{"reads":[],"constructor":{"prototype":{"polluted":1}}}', "TALLY_ERR_MSG_SCHEMA"],
    [
      "scan",
      JSON.stringify({ gtin: "09506000134353", action: "PICK", scannedAt: read.readAt }),
      "TALLY_ERR_MSG_SCHEMA",
    ],
    [
      "scan",
      JSON.stringify({ gtin: "09506000134352", action: "STEAL", scannedAt: read.readAt }),
      "TALLY_ERR_MSG_SCHEMA",
    ],
    ["temp", JSON.stringify({ celsius: 1e308 * 10, measuredAt: read.readAt }), "TALLY_ERR_MSG_SCHEMA"],
    ["temp", JSON.stringify({ celsius: "𝟜", measuredAt: read.readAt }), "TALLY_ERR_MSG_SCHEMA"],
    ["temp", "[".repeat(5000) + "]".repeat(5000), "TALLY_ERR_MSG_SCHEMA"],
  ] as const)("refuses %s %j with %s", (channel, payload, code) => {
    const result = parseDeviceMessage(channel, payload);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.reason.length).toBeGreaterThan(0);
    }
  });

  it("refuses oversize messages before parsing them", () => {
    const huge = JSON.stringify({ reads: [read], pad: "x".repeat(MAX_DEVICE_MESSAGE_BYTES) });
    const result = parseDeviceMessage("read", huge);
    expect(result).toMatchObject({ ok: false, error: { code: "TALLY_ERR_MSG_TOO_LARGE" } });
  });

  it("refuses more than 1000 reads in one message", () => {
    const result = parseDeviceMessage("read", JSON.stringify({ reads: Array.from({ length: 1001 }, () => read) }));
    expect(result).toMatchObject({ ok: false, error: { code: "TALLY_ERR_MSG_SCHEMA" } });
  });
});
