import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { movement } from "../testing/fixtures.js";
import { canonicalJson, canonicalMovement } from "./canonical-json.js";
import { classifyEvents, firstOccurrences, hashEvents } from "./classify-events.js";
import { positionDeltas } from "./position-deltas.js";

describe("canonicalJson", () => {
  it("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });
});

describe("positionDeltas", () => {
  it("nets a batch into one signed delta per sku, location and lot, sorted, without zeros", () => {
    const deltas = positionDeltas([
      movement({ sku: "B", qty: 5, to: "S1/A/01" }),
      movement({ sku: "A", qty: 3, to: "S1/A/02", lot: "L1" }),
      movement({ sku: "B", qty: 2, from: "S1/A/01", to: "S1/B/01", movementType: "TRANSFER" }),
      movement({ sku: "A", qty: 3, from: "S1/A/02", to: undefined, lot: "L1", movementType: "PICK" }),
    ]);
    expect(deltas).toEqual([
      { sku: "B", location: "S1/A/01", lot: "", qty: 3 },
      { sku: "B", location: "S1/B/01", lot: "", qty: 2 },
    ]);
  });
});

describe("classifyEvents", () => {
  it("sorts a batch into committed, duplicates and conflicts in batch order", () => {
    const a = movement();
    const b = movement();
    const c = movement();
    const hashed = hashEvents([a, b, c, a, { ...a, qty: 99 }]);
    expect(firstOccurrences(hashed).map((h) => h.event.id)).toEqual([a.id, b.id, c.id]);
    const bHash = hashed[1]?.hash ?? "";
    const result = classifyEvents(
      hashed,
      new Set([a.id]),
      new Map([
        [b.id, bHash],
        [c.id, "other"],
      ]),
    );
    expect(result).toEqual({
      committed: [a.id],
      duplicates: [b.id, a.id],
      conflicts: [c.id, a.id],
      applied: [a],
    });
  });
});

describe("canonicalMovement", () => {
  it("writes exactly what canonicalJson writes, for any movement and for unexpected shapes", () => {
    const text = fc.string({ maxLength: 12 });
    const shape = fc.record(
      {
        kind: fc.constant("movement"),
        id: fc.uuid(),
        siteId: text,
        occurredAt: text,
        movementType: fc.constantFrom("RECEIPT", "PICK"),
        sku: text,
        qty: fc.oneof(fc.integer(), fc.double()),
        from: text,
        to: text,
        lot: text,
        expiry: text,
        epc: text,
        sscc: text,
        evidence: fc.oneof(
          fc.record({ deviceId: text, observationIds: fc.array(text) }, { requiredKeys: ["deviceId"] }),
          fc.anything(),
        ),
        confidence: fc.oneof(fc.double(), fc.constant(undefined)),
        extra: fc.anything(),
      },
      { requiredKeys: ["kind", "id"] },
    );
    fc.assert(
      fc.property(shape, (m) => {
        expect(canonicalMovement(m)).toBe(canonicalJson(m));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("canonicalJson", () => {
  /** The first implementation: stored hashes were made with it, so the text must not change. */
  const reference = (value: unknown) =>
    JSON.stringify(value, (_key, v: unknown) => {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
      return sorted;
    });

  it("writes what the replacer-based first version wrote, for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 2000 },
    );
  });
});
