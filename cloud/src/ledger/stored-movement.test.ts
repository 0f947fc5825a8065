import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { movement } from "../testing/fixtures.js";
import { canonicalMovement } from "./canonical-json.js";
import { movementFromStored, type StoredMovementColumns, storedBody } from "./stored-movement.js";

/** The columns as each store gives them back: SQLite keeps UTC text with milliseconds, PostgreSQL a timestamptz. */
function columns(m: Readonly<Record<string, unknown>>, store: "sqlite" | "postgres"): StoredMovementColumns {
  const at = new Date(String(m.occurredAt));
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return {
    id: String(m.id),
    site_id: String(m.siteId),
    movement_type: String(m.movementType),
    sku: String(m.sku),
    qty: store === "postgres" ? String(m.qty) : m.qty,
    from_location: text(m.from),
    to_location: text(m.to),
    lot: typeof m.lot === "string" ? m.lot : "",
    occurred_at: store === "postgres" ? at : at.toISOString(),
    epc: text(m.epc),
    sscc: text(m.sscc),
  };
}

/** What a row gives back: its columns and its body after a trip through JSON text. */
const roundTrip = (m: Readonly<Record<string, unknown>>, store: "sqlite" | "postgres") =>
  movementFromStored(columns(m, store), JSON.parse(JSON.stringify(storedBody(m))));

describe("stored movements", () => {
  it("keep in the body only what the columns do not hold", () => {
    const m = movement({ lot: "L1", epc: "urn:epc:id:sgtin:0614141.812345.6789", expiry: "2027-01-31" });
    expect(storedBody(m)).toEqual({ evidence: m.evidence, confidence: 1, expiry: "2027-01-31" });
    const offset = movement({ occurredAt: "2026-11-22T10:00:00+02:00" });
    expect(storedBody(offset)).toEqual({ evidence: offset.evidence, confidence: 1, occurredAt: offset.occurredAt });
    // A member no column holds, on a movement that bypassed validation, is kept too.
    expect(storedBody({ ...m, note: "x" })).toMatchObject({ note: "x" });
  });

  it("keep a timestamp the column would change, and an empty lot the column could not tell from none", () => {
    const m = movement({ occurredAt: "2026-11-22T10:00:00+02:00", lot: "" });
    expect(storedBody(m)).toMatchObject({ occurredAt: "2026-11-22T10:00:00+02:00", lot: "" });
    expect(roundTrip(m, "sqlite")).toEqual(m);
  });

  it("give back the same canonical JSON on both stores, whatever the movement", () => {
    const iso = fc
      .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 0, 1) })
      .chain((ms) =>
        fc.constantFrom(
          new Date(ms).toISOString(),
          new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"),
          new Date(ms).toISOString().replace("Z", "+00:00"),
          `${new Date(ms).toISOString().slice(0, 23)}456Z`,
        ),
      );
    const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const arbitrary = fc.record({
      occurredAt: iso,
      qty: fc.integer({ min: 1, max: 1_000_000 }),
      from: optional(fc.constantFrom("S1/A/01", "S1/B/02")),
      lot: optional(fc.constantFrom("L1", "")),
      epc: optional(fc.string()),
      sscc: optional(fc.stringMatching(/^\d{18}$/)),
      expiry: optional(fc.constantFrom("2027-01-31")),
      observationIds: fc.array(fc.string(), { maxLength: 3 }),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(arbitrary, fc.constantFrom("sqlite" as const, "postgres" as const), (spec, store) => {
        const { observationIds, ...members } = spec;
        const m = movement({ ...members, evidence: { deviceId: "portal-1", observationIds } });
        expect(canonicalMovement(roundTrip(m, store))).toBe(canonicalMovement(m));
      }),
      { numRuns: 1000 },
    );
  });

  it("read a body written before the split (the whole movement) as it was", () => {
    const m = movement({ occurredAt: "2026-11-22T08:00:00Z", lot: "L2" });
    expect(movementFromStored(columns(m, "postgres"), JSON.parse(JSON.stringify(m)))).toEqual(m);
  });
});
