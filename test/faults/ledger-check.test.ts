import type { Movement } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { compareLedger, type SentScan } from "./support/ledger-check.js";
import { scanFor } from "./support/scan-load.js";

const at = "2026-11-22T08:00:00.000Z";
const scan = (lot: string, qty = 1): SentScan => ({
  lot,
  sku: "WIDGET",
  qty,
  movementType: "RECEIPT",
  to: "DEMO/DOCK/D1",
  occurredAt: at,
});
const movement = (id: string, s: SentScan, change: Partial<Movement> = {}): Movement => ({
  kind: "movement",
  id,
  siteId: "DEMO",
  occurredAt: s.occurredAt,
  movementType: s.movementType,
  sku: s.sku,
  qty: s.qty,
  to: s.to,
  lot: s.lot,
  evidence: { deviceId: "scanner-1", observationIds: [] },
  confidence: 1,
  ...change,
});

describe("compareLedger (the fault suite's checker)", () => {
  const sent = new Map(["A", "B", "C", "D"].map((lot) => [lot, scan(lot, 2)]));
  const one = (lot: string) => sent.get(lot) ?? scan(lot);

  it("is clean when every acknowledged scan is in the ledger once", () => {
    const report = compareLedger(sent, new Set(["A", "B"]), [movement("1", one("A")), movement("2", one("B"))]);
    expect(report).toMatchObject({ sent: 2, lost: 0, duplicated: 0, unexpected: 0, unacknowledged: 2, movements: 2 });
  });

  it("counts lost, duplicated and unexpected movements, with examples", () => {
    const report = compareLedger(sent, new Set(["A", "B", "C"]), [
      movement("1", one("A")),
      movement("2", one("A")),
      movement("3", one("A")),
      movement("4", one("D")), // never acknowledged: allowed once
      movement("5", one("D")), // …but not twice
      movement("6", scan("Z")), // never sent
      movement("7", one("C"), { qty: 3 }), // not what was scanned
      movement("8", one("B"), { occurredAt: "2026-11-22T08:10:00.000Z" }), // the edge's time, not the device's
    ]);
    expect(report).toMatchObject({ sent: 3, lost: 2, duplicated: 3, unexpected: 3, movements: 8 });
    expect(report.examples.lost).toEqual(["B", "C"]);
    expect(report.examples.duplicated).toEqual(["A ×3", "D ×2"]);
  });

  it("matches the load's own record of a scan (same lot, SKU, quantity, place and time)", () => {
    let i = 0;
    const random = () => [0.1, 0.5][i++ % 2] ?? 0;
    const { message, scan: sentScan } = scanFor(
      35,
      { items: [{ sku: "WIDGET", gtin: "00614141000012" }], tag: "T", location: "DEMO/DOCK/D1" },
      random,
      new Date(at),
    );
    expect(message).toEqual({ gtin: "00614141000012", qty: 5, action: "RECEIPT", lot: "T00000z", scannedAt: at });
    const report = compareLedger(new Map([[sentScan.lot, sentScan]]), new Set([sentScan.lot]), [
      movement("1", sentScan),
    ]);
    expect(report).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
  });
});
