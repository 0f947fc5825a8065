import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { encodeGroup, type GroupEntry } from "./journal-group.js";

/** The writer thread's decoder: the very file `sqlite-journal-writer.cjs` requires. */
const { forEachGroupEntry } = createRequire(import.meta.url)("./journal-group-decode.cjs") as {
  forEachGroupEntry(
    buffer: ArrayBuffer,
    visit: (topic: string, payload: Uint8Array, receivedAt: number, index: number) => void,
  ): number;
};

function decode(buffer: ArrayBuffer): { entries: GroupEntry[]; indexes: number[]; count: number } {
  const entries: GroupEntry[] = [];
  const indexes: number[] = [];
  const count = forEachGroupEntry(buffer, (topic, payload, receivedAt, index) => {
    entries.push({ topic, payload, receivedAt });
    indexes.push(index);
  });
  return { entries, indexes, count };
}

function asText(entries: readonly GroupEntry[]): { topic: string; payload: string; receivedAt: number }[] {
  return entries.map((e) => ({ ...e, payload: Buffer.from(e.payload).toString() }));
}

describe("encodeGroup, read back by the writer thread's decoder", () => {
  it("puts a group in a buffer of its own, however large the buffers its payloads are slices of", () => {
    const socketChunk = Buffer.alloc(64 * 1024, 0x61);
    socketChunk.write("first", 100);
    const entries = [
      { topic: "a/b", payload: socketChunk.subarray(100, 105), receivedAt: 1_796_424_052_145 },
      { topic: "dépôt", payload: Buffer.alloc(0), receivedAt: 0.5 },
      { topic: "", payload: Buffer.from("third"), receivedAt: -1 },
    ];
    const buffer = encodeGroup(entries);
    // The count, three headers of 16 bytes, the topics' UTF-8 (3 + 7 + 0) and the payloads (5 + 0 + 5).
    expect(buffer.byteLength).toBe(4 + 3 * 16 + 10 + 10);
    const decoded = decode(buffer);
    expect(decoded.count).toBe(3);
    expect(decoded.indexes).toEqual([0, 1, 2]);
    expect(asText(decoded.entries)).toEqual([
      { topic: "a/b", payload: "first", receivedAt: 1_796_424_052_145 },
      { topic: "dépôt", payload: "", receivedAt: 0.5 },
      { topic: "", payload: "third", receivedAt: -1 },
    ]);
  });

  it("keeps topics of any script and payloads of any bytes, astral characters and zero bytes included", () => {
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    const entries = [
      { topic: "倉庫/棚-3/📦", payload: Buffer.from("温度 ✓ 🌡️"), receivedAt: Number.MAX_SAFE_INTEGER },
      { topic: "\u0000nul", payload: binary, receivedAt: 1.25e-7 },
      { topic: "", payload: Buffer.alloc(0), receivedAt: 0 },
    ];
    const { entries: decoded } = decode(encodeGroup(entries));
    expect(decoded.map((e) => e.topic)).toEqual(["倉庫/棚-3/📦", "\u0000nul", ""]);
    expect(Buffer.from(decoded[0]?.payload ?? []).toString()).toBe("温度 ✓ 🌡️");
    expect(Array.from(decoded[1]?.payload ?? [])).toEqual(Array.from(binary));
    expect(decoded[2]?.payload.byteLength).toBe(0);
    expect(decoded.map((e) => e.receivedAt)).toEqual([Number.MAX_SAFE_INTEGER, 1.25e-7, 0]);
  });

  it("round-trips large payloads and many entries byte for byte", () => {
    const large = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < large.length; i++) large[i] = (i * 31 + 7) & 0xff;
    const many = Array.from({ length: 5_000 }, (_, i) => ({
      topic: `tally/dock-${i % 17}/scan`,
      payload: Buffer.from(`{"n":${i}}`),
      receivedAt: 1_796_424_052_000 + i,
    }));
    const entries = [{ topic: "big", payload: large, receivedAt: 1 }, ...many];
    const { entries: decoded, count } = decode(encodeGroup(entries));
    expect(count).toBe(entries.length);
    expect(Buffer.from(decoded[0]?.payload ?? []).equals(large)).toBe(true);
    expect(asText(decoded.slice(1))).toEqual(asText(many));
  });

  it("makes an empty group of an empty list", () => {
    expect(decode(encodeGroup([]))).toEqual({ entries: [], indexes: [], count: 0 });
  });
});
