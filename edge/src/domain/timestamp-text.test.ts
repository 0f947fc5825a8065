import { describe, expect, it } from "vitest";
import { TimestampText } from "./timestamp-text.js";

const NOW = Date.parse("2026-03-01T10:00:00.000Z");

describe("TimestampText", () => {
  it("is the timestamp's ISO 8601 text, the same for equal instants and new for another", () => {
    const stamps = new TimestampText();
    const a = stamps.iso(new Date("2026-03-01T09:59:59.123Z"), NOW);
    expect(a).toBe("2026-03-01T09:59:59.123Z");
    expect(stamps.iso(new Date("2026-03-01T09:59:59.123Z"), NOW)).toBe(a);
    expect(stamps.iso(new Date("2026-03-01T09:59:59.124Z"), NOW)).toBe("2026-03-01T09:59:59.124Z");
    expect(stamps.iso(new Date("2026-03-01T09:59:59.123Z"), NOW)).toBe(a);
  });

  it("takes the arrival time when the timestamp is missing or invalid, instead of throwing", () => {
    const stamps = new TimestampText();
    expect(stamps.iso(undefined, NOW)).toBe("2026-03-01T10:00:00.000Z");
    expect(stamps.iso(null, NOW + 1)).toBe("2026-03-01T10:00:00.001Z");
    expect(stamps.iso(new Date(Number.NaN), NOW + 2)).toBe("2026-03-01T10:00:00.002Z");
  });
});
