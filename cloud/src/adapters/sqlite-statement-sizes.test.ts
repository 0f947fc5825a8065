import { describe, expect, it } from "vitest";
import { CHUNK_ROWS, inListLength, statementRowCounts } from "./sqlite-statement-sizes.js";

describe("SQLite statement sizes", () => {
  it("insert any number of rows in whole chunks, then powers of two, largest first", () => {
    expect(statementRowCounts(0)).toEqual([]);
    expect(statementRowCounts(1)).toEqual([1]);
    expect(statementRowCounts(137)).toEqual([128, 8, 1]);
    expect(statementRowCounts(500)).toEqual([500]);
    expect(statementRowCounts(1_137)).toEqual([500, 500, 128, 8, 1]);
    const lengths = new Set<number>();
    for (let total = 0; total <= 3 * CHUNK_ROWS; total++) {
      const counts = statementRowCounts(total);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
      expect([...counts].sort((a, b) => b - a)).toEqual(counts);
      for (const c of counts) lengths.add(c);
    }
    // Every batch size from 0 to 1,500 rows uses ten statement lengths in all: 500 and 256, 128, …, 1.
    expect([...lengths].sort((a, b) => b - a)).toEqual([500, 256, 128, 64, 32, 16, 8, 4, 2, 1]);
  });

  it("write an IN list at a power of two of values, at most the chunk, and longer lists as they are", () => {
    expect([0, 1, 2, 3, 5, 100, 256, 257, 500, 501].map((n) => inListLength(n))).toEqual([
      0, 1, 2, 4, 8, 128, 256, 500, 500, 501,
    ]);
  });
});
