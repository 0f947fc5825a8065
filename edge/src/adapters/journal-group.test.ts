import { describe, expect, it } from "vitest";
import { decodeGroup, encodeGroup } from "./journal-group.js";

describe("encodeGroup", () => {
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
    const decoded = decodeGroup(buffer);
    expect(decoded.map((e) => ({ ...e, payload: Buffer.from(e.payload).toString() }))).toEqual([
      { topic: "a/b", payload: "first", receivedAt: 1_796_424_052_145 },
      { topic: "dépôt", payload: "", receivedAt: 0.5 },
      { topic: "", payload: "third", receivedAt: -1 },
    ]);
  });

  it("makes an empty group of an empty list", () => {
    expect(decodeGroup(encodeGroup([]))).toEqual([]);
  });
});
