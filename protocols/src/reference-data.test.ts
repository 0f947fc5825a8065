import { describe, expect, it } from "vitest";
import { ReferenceData } from "./reference-data.js";

const base = {
  siteId: "DEMO",
  asOf: "2026-11-22T08:00:00.000Z",
  items: [],
  expectedReceipts: [],
  expectedShipments: [],
};

describe("ReferenceData.binStock", () => {
  it("is optional: a copy from an older cloud still parses, without it", () => {
    const parsed = ReferenceData.safeParse(base);
    expect(parsed.success && parsed.data.binStock).toBeUndefined();
  });

  it("carries whole units per location and SKU, negative ones too (a ledger that allows them)", () => {
    const binStock = [
      { location: "DEMO/PICK/A1", sku: "WIDGET", units: 10 },
      { location: "DEMO/PICK/A2", sku: "GADGET", units: -2 },
    ];
    expect(ReferenceData.parse({ ...base, binStock }).binStock).toEqual(binStock);
  });

  it.each([
    ["a location that is not SITE/ZONE/BIN", { location: "A1", sku: "WIDGET", units: 1 }],
    ["fractional units", { location: "DEMO/PICK/A1", sku: "WIDGET", units: 1.5 }],
    ["an empty SKU", { location: "DEMO/PICK/A1", sku: "", units: 1 }],
    ["units beyond the limit", { location: "DEMO/PICK/A1", sku: "WIDGET", units: 1e12 }],
    ["extra fields", { location: "DEMO/PICK/A1", sku: "WIDGET", units: 1, lot: "L1" }],
  ])("refuses %s", (_, entry) => {
    expect(ReferenceData.safeParse({ ...base, binStock: [entry] }).success).toBe(false);
  });

  it("refuses more than 200,000 entries", () => {
    const entry = { location: "DEMO/PICK/A1", sku: "WIDGET", units: 1 };
    expect(ReferenceData.safeParse({ ...base, binStock: Array(200_001).fill(entry) }).success).toBe(false);
  });
});
