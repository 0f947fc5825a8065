import { describe, expect, it } from "vitest";
import { MqttPacketSizeGuard } from "./mqtt-packet-size-guard.js";

/** A PUBLISH fixed header: type byte, then the remaining length as a variable byte integer. */
function header(remaining: number): Buffer {
  const length: number[] = [];
  let left = remaining;
  do {
    let byte = left % 128;
    left = Math.floor(left / 128);
    if (left > 0) byte |= 0x80;
    length.push(byte);
  } while (left > 0);
  return Buffer.from([0x32, ...length]);
}

/** A whole packet: its fixed header and `remaining` bytes of body. */
function packet(remaining: number): Buffer {
  return Buffer.concat([header(remaining), Buffer.alloc(remaining, 0x61)]);
}

describe("MqttPacketSizeGuard", () => {
  it("passes packets up to the limit, whole or byte by byte", () => {
    const stream = Buffer.concat([packet(10), packet(0), packet(200), packet(16_000)]);
    expect(new MqttPacketSizeGuard(16_003).feed(stream)).toEqual({ ok: true });
    const guard = new MqttPacketSizeGuard(16_003);
    for (const byte of stream) expect(guard.feed(Buffer.from([byte])).ok).toBe(true);
  });

  it("counts the fixed header in the limit", () => {
    // 125 bytes of body + 1 type byte + 1 length byte = 127.
    expect(new MqttPacketSizeGuard(127).feed(packet(125))).toEqual({ ok: true });
    expect(new MqttPacketSizeGuard(126).feed(packet(125))).toEqual({
      ok: false,
      reason: "too-large",
      announcedBytes: 127,
    });
  });

  it("refuses on the header alone, before any body byte", () => {
    const announced = header(200 * 1024 * 1024);
    const guard = new MqttPacketSizeGuard(300 * 1024);
    expect(guard.feed(announced.subarray(0, 3))).toEqual({ ok: true });
    expect(guard.feed(announced.subarray(3))).toEqual({
      ok: false,
      reason: "too-large",
      announcedBytes: 1 + 4 + 200 * 1024 * 1024,
    });
    // Refused stays refused.
    expect(guard.feed(Buffer.from([0x30, 0x00])).ok).toBe(false);
  });

  it("finds the oversize packet after good ones split across chunks", () => {
    const stream = Buffer.concat([packet(1000), packet(70_000)]);
    const guard = new MqttPacketSizeGuard(65_536);
    expect(guard.feed(stream.subarray(0, 700))).toEqual({ ok: true });
    expect(guard.feed(stream.subarray(700, 1004))).toEqual({ ok: true });
    expect(guard.feed(stream.subarray(1004, 1008))).toMatchObject({ ok: false, announcedBytes: 70_004 });
  });

  it("reads the largest 4-byte length (268,435,455: MQTT 5 §1.5.5)", () => {
    const verdict = new MqttPacketSizeGuard(1024).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
    expect(verdict).toEqual({ ok: false, reason: "too-large", announcedBytes: 1 + 4 + 268_435_455 });
  });

  it("refuses a remaining length of more than 4 bytes as malformed", () => {
    expect(new MqttPacketSizeGuard(1 << 30).feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});
