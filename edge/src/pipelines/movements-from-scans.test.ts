import type { EdgeEvent, ExpectedReceipt, ExpectedShipment } from "@tally/protocols";
import { from, lastValueFrom, Subject, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { ScanObservation } from "../domain/observation.js";
import { ReceiptTally } from "../domain/receipt-tally.js";
import { ReferenceView, siteOnlyReference } from "../domain/reference-view.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { movementsFromScans } from "./movements-from-scans.js";

const items = demoSite().items;
const siteOnly = siteOnlyReference(items);
const scan = (fields: Partial<ScanObservation>): ScanObservation => ({
  type: "scan",
  id: "s1",
  deviceId: "scanner-1",
  gtin: "00614141000043",
  qty: 24,
  action: "RECEIPT",
  location: "DEMO/DOCK/D1",
  at: "2026-11-22T08:00:00.000Z",
  ...fields,
});
const deps = () => ({ siteId: "DEMO", newId: sequentialIds() });
const run = (scans: ScanObservation[], reference: ReferenceView = siteOnly, receipts = new ReceiptTally()) =>
  lastValueFrom(from(scans).pipe(movementsFromScans(deps(), reference, receipts), toArray()));
const receipt = (fields: Partial<ExpectedReceipt> = {}): ExpectedReceipt => ({
  id: "ASN-1",
  siteId: "DEMO",
  dock: "DEMO/DOCK/D1",
  status: "open",
  lines: [{ sku: "SOAP", qty: 30 }],
  ...fields,
});
const shipment = (fields: Partial<ExpectedShipment> = {}): ExpectedShipment => ({
  id: "SO-1",
  siteId: "DEMO",
  dock: "DEMO/SHIP/S1",
  status: "open",
  lines: [{ sku: "SOAP", qty: 5 }],
  ...fields,
});
const withDocuments = (expectedReceipts: ExpectedReceipt[], expectedShipments: ExpectedShipment[] = []) =>
  new ReferenceView(items, { items: [], expectedReceipts, expectedShipments });
const tasks = (events: EdgeEvent[]) => events.filter((e) => e.kind === "task");

describe("movementsFromScans", () => {
  it("turns each mode into its movement type and locations, with lot, expiry and the operator", async () => {
    const out = await run([
      scan({ lot: "L1", expiry: "2027-12-31", operatorId: "op-17" }),
      scan({ action: "PUTAWAY", fromLocation: "DEMO/DOCK/D1", location: "DEMO/PICK/A1", qty: 10 }),
      scan({ action: "PICK", location: "DEMO/PICK/A1", qty: 2 }),
      scan({ action: "SHIP", location: "DEMO/SHIP/S1", qty: 3, operatorId: "op-9" }),
      scan({ action: "RETURN", location: "DEMO/DOCK/D1", qty: 1, lot: "L1" }),
    ]);
    expect(out).toEqual([
      expect.objectContaining({
        movementType: "RECEIPT",
        sku: "SOAP",
        qty: 24,
        to: "DEMO/DOCK/D1",
        lot: "L1",
        expiry: "2027-12-31",
        evidence: { deviceId: "scanner-1", observationIds: ["s1"], operatorId: "op-17" },
      }),
      expect.objectContaining({ movementType: "PUTAWAY", qty: 10, from: "DEMO/DOCK/D1", to: "DEMO/PICK/A1" }),
      expect.objectContaining({ movementType: "PICK", qty: 2, from: "DEMO/PICK/A1" }),
      expect.objectContaining({
        movementType: "SHIPMENT",
        qty: 3,
        from: "DEMO/SHIP/S1",
        evidence: expect.objectContaining({ operatorId: "op-9" }),
      }),
      expect.objectContaining({ movementType: "RETURN", qty: 1, to: "DEMO/DOCK/D1", lot: "L1" }),
    ]);
    for (const m of [out[2], out[3]]) expect(m).not.toHaveProperty("to");
    expect(out[4]).not.toHaveProperty("from");
    // A scan without an operator says nothing about one.
    expect(out[1]?.kind === "movement" && "operatorId" in out[1].evidence).toBe(false);
  });

  it("sends a count as telemetry with its counter, never as a movement", async () => {
    expect(await run([scan({ action: "COUNT", qty: 7, location: "DEMO/PICK/A1", operatorId: "op-3" })])).toEqual([
      expect.objectContaining({
        kind: "telemetry",
        metric: "count:SOAP",
        value: 7,
        unit: "units",
        location: "DEMO/PICK/A1",
        operatorId: "op-3",
      }),
    ]);
  });

  it("opens an UNKNOWN_TAG task for a GTIN missing from the item master, and moves nothing", async () => {
    expect(await run([scan({ gtin: "00614141000050", action: "SHIP", operatorId: "op-1" })])).toEqual([
      expect.objectContaining({
        kind: "task",
        taskType: "UNKNOWN_TAG",
        location: "DEMO/DOCK/D1",
        evidence: expect.objectContaining({ operatorId: "op-1" }),
      }),
    ]);
  });

  it("knows an item the cloud's item master brings later", async () => {
    const reference$ = new Subject<ReferenceView>();
    const scans$ = new Subject<ScanObservation>();
    const out: EdgeEvent[] = [];
    scans$.pipe(movementsFromScans(deps(), siteOnly, new ReceiptTally(), reference$)).subscribe((e) => out.push(e));
    scans$.next(scan({ gtin: "00614141000050" }));
    reference$.next(
      new ReferenceView(items, {
        items: [{ sku: "SPONGE", gtins: ["00614141000050"], temperatureClass: "ambient" }],
        expectedReceipts: [],
        expectedShipments: [],
      }),
    );
    scans$.next(scan({ gtin: "00614141000050" }));
    expect(out.map((e) => (e.kind === "task" ? e.taskType : e.kind === "movement" ? e.sku : e.kind))).toEqual([
      "UNKNOWN_TAG",
      "SPONGE",
    ]);
  });

  describe("receipts, as at a portal", () => {
    it("a receipt within the dock's open expected receipts is fine; beyond them, UNEXPECTED_ITEM beside the movement", async () => {
      const tally = new ReceiptTally();
      const asn = receipt();
      const out = await run([scan({ qty: 24 }), scan({ qty: 10 })], withDocuments([asn]), tally);
      expect(out.map((e) => e.kind)).toEqual(["movement", "movement", "task"]);
      expect(tasks(out)).toEqual([
        expect.objectContaining({ taskType: "UNEXPECTED_ITEM", sku: "SOAP", location: "DEMO/DOCK/D1" }),
      ]);
      // The tally is the one the RFID pipeline closes receipts with: 6 still expected.
      expect(tally.remaining(asn, "SOAP")).toBe(6);
    });

    it("a SKU the receipt does not list is unexpected; a dock with no open receipt checks nothing", async () => {
      const reference = withDocuments([receipt()]);
      expect(tasks(await run([scan({ gtin: "00614141000012", qty: 1 })], reference))).toEqual([
        expect.objectContaining({ taskType: "UNEXPECTED_ITEM", sku: "WIDGET" }),
      ]);
      expect(tasks(await run([scan({ location: "DEMO/PICK/A1" })], reference))).toEqual([]);
      expect(tasks(await run([scan({})], withDocuments([receipt({ status: "closed" })])))).toEqual([]);
    });

    it("a receipt that names no dock counts for every dock", async () => {
      const reference = withDocuments([receipt({ dock: undefined })]);
      expect(tasks(await run([scan({ location: "DEMO/PICK/A1", qty: 30 })], reference))).toEqual([]);
    });
  });

  describe("shipments", () => {
    const ship = (fields: Partial<ScanObservation> = {}) =>
      scan({ action: "SHIP", location: "DEMO/SHIP/S1", qty: 2, ...fields });

    it("a SKU on an open shipment of this dock ships without a task", async () => {
      const out = await run([ship()], withDocuments([], [shipment()]));
      expect(out).toEqual([expect.objectContaining({ movementType: "SHIPMENT", from: "DEMO/SHIP/S1" })]);
    });

    it("a SKU on no open shipment is UNEXPECTED_ITEM; one listed for another dock, WRONG_DOCK; both still move", async () => {
      const reference = withDocuments(
        [],
        [shipment(), shipment({ id: "SO-2", dock: "DEMO/DOCK/D1", lines: [{ sku: "MILK", qty: 1 }] })],
      );
      const out = await run([ship({ gtin: "00614141000012" }), ship({ gtin: "00614141000036" })], reference);
      expect(out.filter((e) => e.kind === "movement")).toHaveLength(2);
      expect(tasks(out)).toEqual([
        expect.objectContaining({ taskType: "UNEXPECTED_ITEM", sku: "WIDGET", priority: "high" }),
        expect.objectContaining({
          taskType: "WRONG_DOCK",
          sku: "MILK",
          detail: expect.stringContaining("DEMO/DOCK/D1"),
        }),
      ]);
    });

    it("a site that announces no shipments checks nothing", async () => {
      expect(
        tasks(await run([ship({ gtin: "00614141000012" })], withDocuments([], [shipment({ status: "closed" })]))),
      ).toEqual([]);
    });
  });
});
