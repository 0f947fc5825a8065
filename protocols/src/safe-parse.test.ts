import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EdgeBatch } from "./envelope.js";
import { EdgeEvent } from "./events.js";
import { safeParseUntrusted } from "./safe-parse.js";
import { parseSiteLayoutText } from "./site-file.js";

/** An object no comparison can make a number of: its toString is not a function, its valueOf gives it back. */
const unconvertible = JSON.parse('{"toString": null}') as unknown;
const hostile = [
  { length: unconvertible },
  JSON.parse('{"length": {"valueOf": null, "toString": null}}'),
  { size: unconvertible },
];

describe("safeParseUntrusted", () => {
  it("refuses a value whose length zod's checks cannot compare, where safeParse throws", () => {
    const schemas = [z.string().max(64), z.array(z.string()).min(1).max(10), z.set(z.string()).max(3)];
    for (const schema of schemas) {
      for (const value of hostile) {
        const result = safeParseUntrusted(schema, value);
        expect(result.success).toBe(false);
      }
    }
    // The reason zod would otherwise throw: its length checks run on a value that failed its type check.
    expect(() => z.string().max(64).safeParse(hostile[0])).toThrow(TypeError);
    expect(safeParseUntrusted(z.string().max(64), { length: unconvertible }).error?.issues[0]?.message).toMatch(
      /an object stands where they belong/,
    );
  });

  it("keeps safeParse's answers for every other value", () => {
    const schema = z.object({ name: z.string().max(3) });
    expect(safeParseUntrusted(schema, { name: "abc" })).toEqual({ success: true, data: { name: "abc" } });
    expect(safeParseUntrusted(schema, { name: "abcd" }).error?.issues[0]?.path).toEqual(["name"]);
  });

  it("keeps the envelope, an event and a site file from throwing on such a value", () => {
    const batch = {
      v: 1,
      edgeId: "e",
      siteId: "S1",
      batchId: "0190a000-0000-7000-8000-000000000001",
      seq: 0,
      sentAt: "2026-01-01T00:00:00Z",
      events: { length: unconvertible },
    };
    expect(safeParseUntrusted(EdgeBatch, batch).success).toBe(false);
    expect(safeParseUntrusted(EdgeEvent, { kind: "movement", sku: { length: unconvertible } }).success).toBe(false);
    const site = JSON.stringify({
      siteId: "S1",
      zones: [{ id: "A", kind: "storage" }],
      locations: [{ code: { length: { toString: null } }, zone: "A" }],
    });
    expect(parseSiteLayoutText(site)).toMatchObject({ ok: false, error: { code: "TALLY_ERR_SITE_LAYOUT_INVALID" } });
  });
});
