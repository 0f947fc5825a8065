import { describe, expect, it } from "vitest";
import { type RiskWindow, stockAtRisk, type ZoneMovement } from "./stock-at-risk.js";

const window: RiskWindow = {
  siteId: "S1",
  zone: "CHILL",
  startedAt: "2026-03-01T10:00:00.000Z",
  endedAt: "2026-03-01T11:00:00.000Z",
  now: "2026-03-01T12:00:00.000Z",
};

const move = (at: string, sku: string, qty: number, from?: string, to?: string, extra: Partial<ZoneMovement> = {}) => ({
  sku,
  qty,
  from,
  to,
  occurredAt: `2026-03-01T${at}:00.000Z`,
  ...extra,
});

describe("stockAtRisk", () => {
  it("counts units in the zone at the start, over several bins and lots", () => {
    const risk = stockAtRisk(window, [
      move("08:00", "PEAS", 10, undefined, "S1/CHILL/B1", { lot: "L1" }),
      move("08:10", "PEAS", 4, undefined, "S1/CHILL/B2", { lot: "L1" }),
      move("08:20", "PEAS", 5, undefined, "S1/CHILL/B2", { lot: "L2" }),
      move("08:30", "PEAS", 3, "S1/CHILL/B1", "S1/CHILL/B3", { lot: "L1" }),
    ]);
    expect(risk).toEqual([
      { sku: "PEAS", lot: "L1", quantity: 14, locations: ["S1/CHILL/B1", "S1/CHILL/B2", "S1/CHILL/B3"] },
      { sku: "PEAS", lot: "L2", quantity: 5, locations: ["S1/CHILL/B2"] },
    ]);
  });

  it("leaves out stock that left before the start and stock that arrived after the end", () => {
    const risk = stockAtRisk(window, [
      move("08:00", "MILK", 6, undefined, "S1/CHILL/B1"),
      move("09:00", "MILK", 6, "S1/CHILL/B1", "S1/DOCK/D1"),
      move("11:30", "CREAM", 2, undefined, "S1/CHILL/B1"),
    ]);
    expect(risk).toEqual([]);
  });

  it("counts stock that arrived during the window, and that left during it", () => {
    const risk = stockAtRisk(window, [
      move("10:15", "BUTTER", 8, "S1/RECV/R1", "S1/CHILL/B1"),
      move("10:45", "BUTTER", 8, "S1/CHILL/B1", "S1/SHIP/X1"),
      move("09:00", "YOGURT", 3, undefined, "S1/CHILL/B2"),
      move("10:30", "YOGURT", 3, "S1/CHILL/B2", undefined),
    ]);
    expect(risk).toEqual([
      { sku: "BUTTER", quantity: 8, locations: ["S1/CHILL/B1"] },
      { sku: "YOGURT", quantity: 3, locations: ["S1/CHILL/B2"] },
    ]);
  });

  it("takes movements in site time, not in the order they were committed", () => {
    // Committed late (an edge offline for hours): it occurred before the start, so the stock was there.
    const risk = stockAtRisk(window, [
      move("09:50", "FISH", 2, "S1/CHILL/B1", "S1/FRZ/F1"),
      move("09:00", "FISH", 5, undefined, "S1/CHILL/B1"),
    ]);
    expect(risk).toEqual([{ sku: "FISH", quantity: 3, locations: ["S1/CHILL/B1"] }]);
  });

  it("lists serialised units one by one, each as one unit however often it came back", () => {
    const epc = (n: number) => `urn:epc:id:sgtin:0614141.107346.${n}`;
    const risk = stockAtRisk(window, [
      move("09:00", "VAX", 1, undefined, "S1/CHILL/B1", { lot: "V1", epc: epc(1) }),
      move("09:00", "VAX", 1, undefined, "S1/CHILL/B1", { lot: "V1", epc: epc(2) }),
      move("09:30", "VAX", 1, "S1/CHILL/B1", "S1/SHIP/X1", { lot: "V1", epc: epc(2) }),
      move("10:10", "VAX", 1, "S1/RECV/R1", "S1/CHILL/B2", { lot: "V1", epc: epc(3) }),
      move("10:20", "VAX", 1, "S1/CHILL/B2", "S1/RECV/R1", { lot: "V1", epc: epc(3) }),
      move("10:30", "VAX", 1, "S1/RECV/R1", "S1/CHILL/B2", { lot: "V1", epc: epc(3) }),
    ]);
    expect(risk).toEqual([
      { sku: "VAX", lot: "V1", epc: epc(1), quantity: 1, locations: ["S1/CHILL/B1"] },
      { sku: "VAX", lot: "V1", epc: epc(3), quantity: 1, locations: ["S1/CHILL/B2"] },
    ]);
  });

  it("ignores locations of other zones and other sites whose code shares the zone's start", () => {
    const risk = stockAtRisk(window, [
      move("09:00", "PEAS", 1, undefined, "S1/CHILLER/B1"),
      move("09:00", "PEAS", 1, undefined, "S10/CHILL/B1"),
    ]);
    expect(risk).toEqual([]);
  });

  it("runs an open excursion up to now", () => {
    const open = { ...window, endedAt: undefined };
    const movements = [
      move("11:30", "CREAM", 2, undefined, "S1/CHILL/B1"),
      move("12:30", "MILK", 1, undefined, "S1/CHILL/B1"),
    ];
    expect(stockAtRisk(open, movements)).toEqual([{ sku: "CREAM", quantity: 2, locations: ["S1/CHILL/B1"] }]);
  });

  it("gives a reopened excursion (a second one of the same sensor) the stock of its own window", () => {
    const movements = [
      move("09:00", "PEAS", 4, undefined, "S1/CHILL/B1"),
      move("11:30", "PEAS", 4, "S1/CHILL/B1", "S1/SHIP/X1"),
      move("12:10", "BEANS", 2, undefined, "S1/CHILL/B1"),
    ];
    const second = { ...window, startedAt: "2026-03-01T12:00:00.000Z", endedAt: "2026-03-01T12:30:00.000Z" };
    expect(stockAtRisk(window, movements)).toEqual([{ sku: "PEAS", quantity: 4, locations: ["S1/CHILL/B1"] }]);
    expect(stockAtRisk(second, movements)).toEqual([{ sku: "BEANS", quantity: 2, locations: ["S1/CHILL/B1"] }]);
  });
});
