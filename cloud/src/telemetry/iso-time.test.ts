import { describe, expect, it } from "vitest";
import { isoTimeMs } from "./iso-time.js";

/** A deterministic stream of numbers in [0, 1): the same cases every run. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

describe("isoTimeMs", () => {
  it("reads every time toISOString writes as Date.parse does", () => {
    const random = numbers(7);
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor((random() * 2 - 0.5) * 8e12);
      const text = new Date(ms).toISOString();
      expect(isoTimeMs(text), text).toBe(Date.parse(text));
      expect(isoTimeMs(text)).toBe(ms);
    }
  });

  it("agrees with Date.parse on the odd and the wrong: out-of-range fields, other forms, not a time", () => {
    const random = numbers(11);
    const cases = [
      "2026-02-29T00:00:00.000Z",
      "2024-02-29T00:00:00.000Z",
      "2026-02-30T00:00:00.000Z",
      "2026-04-31T00:00:00.000Z",
      "2026-12-32T00:00:00.000Z",
      "2026-00-10T00:00:00.000Z",
      "2026-13-10T00:00:00.000Z",
      "2026-12-00T00:00:00.000Z",
      "2026-12-01T24:00:00.000Z",
      "2026-12-01T23:60:00.000Z",
      "2026-12-01T23:59:60.000Z",
      "0050-01-01T00:00:00.000Z",
      "0999-12-31T23:59:59.999Z",
      "2026-12-01T10:00:00.000+02:00",
      "2026-12-01T10:00:00Z",
      "2026-12-01T10:00:00.1234Z",
      "2026-12-01T10:00:00.000z",
      "2026-12-01 10:00:00.000Z",
      "2026-12-0aT10:00:00.000Z",
      "2026-12-01T10:00:00.0-0Z",
      "yesterday, at ten o'clock",
      "",
    ];
    // Every month's last days, and fields just past their ranges, in the 24-character form.
    for (let month = 0; month <= 13; month++) {
      for (const day of [0, 1, 28, 29, 30, 31, 32]) {
        const year = 1000 + Math.floor(random() * 9000);
        cases.push(
          `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(Math.floor(random() * 26), 2)}:${pad(Math.floor(random() * 61), 2)}:${pad(Math.floor(random() * 61), 2)}.${pad(Math.floor(random() * 1000), 3)}Z`,
        );
      }
    }
    for (const text of cases) expect(isoTimeMs(text), text).toBe(Date.parse(text));
  });
});
