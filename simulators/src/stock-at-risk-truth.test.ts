import { describe, expect, it } from "vitest";
import { stockAtRiskTruth } from "./stock-at-risk-truth.js";

// An excursion in zone COLD from 100 to 200 (ms at speed 1).
const at = (atMs: number, change: { sku: string; qty: number; lot?: string; from?: string; to?: string }) => ({
  ...change,
  atMs,
});

describe("stockAtRiskTruth", () => {
  it("counts what was in the zone at the start and what arrived during it, by SKU and lot", () => {
    const changes = [
      at(10, { sku: "Y", lot: "L1", qty: 30, from: "S/DOCK/1", to: "S/COLD/1" }), // before: at risk
      at(20, { sku: "Y", lot: "L0", qty: 6, from: "S/DOCK/1", to: "S/COLD/1" }),
      at(50, { sku: "Y", lot: "L0", qty: 6, from: "S/COLD/1" }), // picked before it began: not at risk
      at(150, { sku: "Y", lot: "L2", qty: 15, from: "S/DOCK/1", to: "S/COLD/2" }), // during: at risk
      at(250, { sku: "Y", lot: "L3", qty: 9, from: "S/DOCK/1", to: "S/COLD/1" }), // after: not at risk
      at(30, { sku: "P", qty: 4, to: "S/COLD/1" }), // no lot
      at(40, { sku: "P", qty: 7, to: "S/FRZ/1" }), // another zone
    ];
    expect(stockAtRiskTruth(changes, "COLD", 100, 200)).toEqual([
      { sku: "P", quantity: 4 },
      { sku: "Y", lot: "L1", quantity: 30 },
      { sku: "Y", lot: "L2", quantity: 15 },
    ]);
  });

  it("keeps stock that leaves during it (it was there), and a move inside the zone is no arrival", () => {
    const changes = [
      at(10, { sku: "Y", lot: "L1", qty: 10, to: "S/COLD/1" }),
      at(120, { sku: "Y", lot: "L1", qty: 10, from: "S/COLD/1", to: "S/COLD/2" }),
      at(150, { sku: "Y", lot: "L1", qty: 4, from: "S/COLD/2" }),
    ];
    expect(stockAtRiskTruth(changes, "COLD", 100, 200)).toEqual([{ sku: "Y", lot: "L1", quantity: 10 }]);
  });

  it("an excursion that never ended takes every later arrival; a change at its very start is present at it", () => {
    const changes = [at(100, { sku: "Y", qty: 2, to: "S/COLD/1" }), at(10_000, { sku: "Y", qty: 3, to: "S/COLD/1" })];
    expect(stockAtRiskTruth(changes, "COLD", 100, undefined)).toEqual([{ sku: "Y", quantity: 5 }]);
    expect(stockAtRiskTruth(changes, "COLD", 100, 200)).toEqual([{ sku: "Y", quantity: 2 }]);
  });

  it("nothing in the zone: nothing at risk", () => {
    expect(stockAtRiskTruth([at(10, { sku: "Y", qty: 2, to: "S/FRZ/1" })], "COLD", 100, 200)).toEqual([]);
  });
});
