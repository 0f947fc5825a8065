/**
 * The ledger's v2 behaviour every LedgerStore adapter must have: serial
 * registry, history, reversals, item master and site import, stock policy
 * and stock alerts, expected receipts and shipments, the task lifecycle,
 * conflicts kept, KPI inputs. Called from `ledgerStoreContract`.
 */
import type { LedgerStore } from "@tally/cloud";
import type { LedgerItem } from "@tally/protocols";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { meta, movement, SITE, siteLayout, task, telemetry } from "./event-fixtures.js";

const item = (overrides: Partial<LedgerItem> = {}): LedgerItem => ({
  sku: "SKU-1",
  gtins: [],
  temperatureClass: "ambient",
  negativeStock: "allow",
  ...overrides,
});

/** The readings waiting in the hand-off, row after row. */
async function pendingReadings(store: LedgerStore, maxPoints = 100) {
  return (await store.pendingTelemetry(maxPoints)).flatMap((r) => r.telemetry);
}

/** Every hand-off row now waiting leaves it, as after a forward. */
async function forwardAll(store: LedgerStore): Promise<void> {
  await store.forwardedTelemetry((await store.pendingTelemetry(1_000_000)).map((r) => r.seq));
}

export function ledgerFeaturesContract(name: string, create: () => Promise<LedgerStore>): void {
  describe(`LedgerStore features: ${name}`, () => {
    let store: LedgerStore;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    describe("serial registry", () => {
      it("tracks each EPC's location and status from its latest movement by occurredAt, late events included", async () => {
        const epc = "urn:epc:id:sgtin:0614141.812345.1";
        const receipt = movement({ sku: "SKU-1", qty: 1, to: "S1/DOCK/D1", epc, occurredAt: "2026-11-22T08:00:00Z" });
        const shipped = movement({ sku: "SKU-1", qty: 1, from: "S1/A/01", epc, occurredAt: "2026-11-22T10:00:00Z" });
        await store.commit(meta(0), [receipt, shipped]);
        expect(await store.serial(epc)).toMatchObject({ sku: "SKU-1", status: "shipped", lastMovementId: shipped.id });
        expect((await store.serial(epc))?.location).toBeUndefined();
        // A putaway that happened in between arrives late: it must not move the unit back.
        const putaway = movement({
          sku: "SKU-1",
          qty: 1,
          from: "S1/DOCK/D1",
          to: "S1/A/01",
          epc,
          occurredAt: "2026-11-22T09:00:00Z",
        });
        await store.commit(meta(1), [putaway]);
        expect(await store.serial(epc)).toMatchObject({ status: "shipped", lastMovementId: shipped.id });
        expect((await store.movements({ epc })).map((m) => m.id)).toEqual([receipt.id, shipped.id, putaway.id]);
        expect(await store.serial("urn:epc:id:sgtin:0614141.812345.2")).toBeUndefined();
      });
    });

    describe("history", () => {
      it("orders legs by occurredAt with running balances, a late event landing in its place", async () => {
        await store.commit(meta(0), [
          movement({ sku: "H", qty: 10, to: "S1/A/01", occurredAt: "2026-11-22T08:00:00Z" }),
          movement({ sku: "H", qty: 3, from: "S1/A/01", occurredAt: "2026-11-22T10:00:00Z" }),
        ]);
        const late = movement({ sku: "H", qty: 4, from: "S1/A/01", to: "S1/B/01", occurredAt: "2026-11-22T09:00:00Z" });
        await store.commit(meta(1), [late]);
        const all = await store.history({ sku: "H" });
        expect(all.map((e) => [e.location, e.delta, e.balance])).toEqual([
          ["S1/A/01", 10, 10],
          ["S1/A/01", -4, 6],
          ["S1/B/01", 4, 10],
          ["S1/A/01", -3, 7],
        ]);
        const atA = await store.history({ sku: "H", locationPrefix: "S1/A" });
        expect(atA.map((e) => e.balance)).toEqual([10, 6, 3]);
        const last = await store.history({ sku: "H", locationPrefix: "S1/A", limit: 1 });
        expect(last.map((e) => e.balance)).toEqual([3]);
        expect(await store.history({ sku: "NONE" })).toEqual([]);
      });
    });

    describe("append-only corrections", () => {
      it("reverses a movement with a new ADJUSTMENT, once, leaving the original as it was", async () => {
        const m = movement({ sku: "SKU-1", qty: 4, from: "S1/A/01", to: "S1/B/01", lot: "L1" });
        await store.commit(meta(0), [movement({ sku: "SKU-1", qty: 10, to: "S1/A/01", lot: "L1" }), m]);
        const first = await store.reverseMovement(m.id, "supervisor");
        expect(first?.created).toBe(true);
        expect(first?.reversal).toMatchObject({
          movementType: "ADJUSTMENT",
          sku: "SKU-1",
          qty: 4,
          from: "S1/B/01",
          to: "S1/A/01",
          lot: "L1",
        });
        const again = await store.reverseMovement(m.id, "supervisor");
        expect(again).toEqual({ reversal: first?.reversal, created: false, alerts: [] });
        expect(await store.stock({ sku: "SKU-1" })).toEqual([
          { sku: "SKU-1", location: "S1/A/01", lot: "L1", qty: 10 },
        ]);
        expect(await store.movement(m.id)).toEqual(m);
        expect(await store.movements({ sku: "SKU-1" })).toHaveLength(3);
        expect(await store.reverseMovement("00000000-0000-4000-8000-000000000000", "x")).toBeUndefined();
      });
    });

    describe("conflicts", () => {
      it("keeps every refused reuse of an id for review", async () => {
        const original = movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" });
        await store.commit(meta(0), [original]);
        const changed = { ...original, qty: 6 };
        expect((await store.commit(meta(1), [changed])).conflicts).toEqual([original.id]);
        const [record] = await store.conflicts(10);
        expect(record).toMatchObject({ eventId: original.id, edgeId: "edge-1", event: changed });
        expect(record?.hash).not.toBe(record?.storedHash);
      });
    });

    describe("item master and locations", () => {
      it("imports a site file: zones, locations with their zone, items with GTINs; re-import keeps ledger policy", async () => {
        expect(await store.importSite(siteLayout())).toEqual({ zones: 4, locations: 5, items: 2 });
        expect(await store.locations({ zone: "A" })).toEqual([
          { code: "S1/A/01", siteId: SITE, zone: "A", bin: "01", zoneKind: "storage", temperatureClass: "ambient" },
          { code: "S1/A/02", siteId: SITE, zone: "A", bin: "02", zoneKind: "storage", temperatureClass: "ambient" },
        ]);
        expect(await store.locations()).toHaveLength(5);
        expect(await store.skuOfGtin("00614141000012")).toBe("SKU-1");
        await store.putItem(item({ sku: "SKU-2", negativeStock: "refuse", annualDemand: 1000 }));
        await store.importSite(siteLayout());
        expect(await store.item("SKU-2")).toMatchObject({ negativeStock: "refuse", annualDemand: 1000 });
        expect((await store.items()).map((i) => i.sku)).toEqual(["SKU-1", "SKU-2"]);
        expect(await store.item("NONE")).toBeUndefined();
      });

      it("replaces an item and its GTINs", async () => {
        await store.putItem(item({ gtins: ["00614141000012"] }));
        await store.putItem(item({ gtins: ["00614141000029"], reorderPoint: 3 }));
        expect(await store.skuOfGtin("00614141000012")).toBeUndefined();
        expect(await store.skuOfGtin("00614141000029")).toBe("SKU-1");
        expect(await store.item("SKU-1")).toMatchObject({ reorderPoint: 3 });
      });
    });

    describe("negative stock policy", () => {
      it("a SKU the item master does not list goes negative without an alert", async () => {
        expect((await store.commit(meta(0), [movement({ sku: "ANON", qty: 3, from: "S1/A/01" })])).alerts).toEqual([]);
        expect(await store.stock({ sku: "ANON" })).toEqual([{ sku: "ANON", location: "S1/A/01", lot: "", qty: -3 }]);
      });

      it("allow (default): records the negative position; a NEGATIVE_STOCK alert waits out its grace, then opens and clears when back", async () => {
        await store.putItem(item());
        const out = await store.commit(meta(0), [movement({ sku: "SKU-1", qty: 3, from: "S1/A/01" })]);
        // Held as pending for the policy's grace: nobody is told yet, nothing is listed.
        expect(out.alerts).toEqual([]);
        expect(await store.alerts()).toEqual([]);
        expect(await store.alerting.list({ status: "pending" })).toEqual([
          expect.objectContaining({ kind: "NEGATIVE_STOCK", sku: "SKU-1", location: "S1/A/01", value: -3 }),
        ]);
        expect((await store.commit(meta(1), [movement({ sku: "SKU-1", qty: 1, from: "S1/A/01" })])).alerts).toEqual([]);
        // Still negative after the grace: the sweep opens it.
        const swept = await store.alerting.sweep(new Date(Date.now() + 61_000));
        expect(swept.changed).toEqual([expect.objectContaining({ kind: "NEGATIVE_STOCK", status: "open" })]);
        const back = await store.commit(meta(2), [movement({ sku: "SKU-1", qty: 4, to: "S1/A/01" })]);
        expect(back.alerts).toEqual([expect.objectContaining({ kind: "NEGATIVE_STOCK", status: "cleared" })]);
      });

      it("negative stock fixed within its grace (a receipt a second after the putaway) never alerts", async () => {
        await store.putItem(item());
        await store.commit(meta(0), [movement({ sku: "SKU-1", qty: 3, from: "S1/A/01" })]);
        const back = await store.commit(meta(1), [movement({ sku: "SKU-1", qty: 3, to: "S1/A/01" })]);
        expect(back.alerts).toEqual([]);
        await store.alerting.sweep(new Date(Date.now() + 120_000));
        expect(await store.alerting.list({ status: "pending" })).toEqual([]);
        expect(await store.alerts()).toEqual([]);
      });

      it("refuse: holds the movement, opens a COUNT_MISMATCH task naming it, and keeps the position", async () => {
        await store.putItem(item({ negativeStock: "refuse" }));
        await store.commit(meta(0), [movement({ sku: "SKU-1", qty: 2, to: "S1/A/01" })]);
        const pick = movement({ sku: "SKU-1", qty: 3, from: "S1/A/01" });
        const ok = movement({ sku: "SKU-1", qty: 2, from: "S1/A/01" });
        const result = await store.commit(meta(1), [pick, ok]);
        expect(result.committed).toEqual([pick.id, ok.id]);
        expect(result.held).toEqual([pick.id]);
        expect(await store.stock({ sku: "SKU-1" })).toEqual([]);
        expect(await store.movement(pick.id)).toBeUndefined();
        const tasks = await store.tasks.list({ status: "open" });
        expect(tasks).toEqual([
          expect.objectContaining({
            taskType: "COUNT_MISMATCH",
            location: "S1/A/01",
            sku: "SKU-1",
            evidence: { deviceId: "cloud", observationIds: [pick.id] },
          }),
        ]);
        // A resend is a duplicate: no second task.
        expect((await store.commit(meta(1), [pick])).duplicates).toEqual([pick.id]);
        expect(await store.tasks.list()).toHaveLength(1);
      });

      it("a cycle count that disagrees with the ledger opens a COUNT_MISMATCH task; one that agrees, none", async () => {
        await store.commit(meta(0), [
          movement({ sku: "SKU-1", qty: 4, to: "S1/A/01", lot: "L1" }),
          movement({ sku: "SKU-1", qty: 2, to: "S1/A/01", lot: "L2" }),
        ]);
        const count = (value: number, location = "S1/A/01") =>
          telemetry(value, { metric: "count:SKU-1", unit: "ea", location, deviceId: "scanner-2" });
        const agrees = count(6);
        const short = { ...count(5), operatorId: "op-count" };
        const elsewhere = count(1, "S1/A/02");
        await store.commit(meta(1), [agrees, short, elsewhere]);
        const tasks = await store.tasks.list({ status: "open" });
        expect(tasks).toHaveLength(2);
        expect(tasks).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              taskType: "COUNT_MISMATCH",
              location: "S1/A/01",
              sku: "SKU-1",
              detail: expect.stringMatching(/counted 5 SKU-1 .* the ledger has 6/),
              // The counter is the evidence of what the count raised.
              evidence: { deviceId: "scanner-2", observationIds: [short.id], operatorId: "op-count" },
            }),
            expect.objectContaining({
              taskType: "COUNT_MISMATCH",
              location: "S1/A/02",
              detail: expect.stringMatching(/has 0/),
            }),
          ]),
        );
        // The ledger is not changed by a count, and a resent count opens no second task.
        expect((await store.stock({ sku: "SKU-1" })).reduce((n, p) => n + p.qty, 0)).toBe(6);
        await store.commit(meta(1), [short]);
        expect(await store.tasks.list()).toHaveLength(2);
      });
    });

    describe("cycle counts within the count policy", () => {
      const count = (value: number, location = "S1/A/01") =>
        telemetry(value, { metric: "count:SKU-1", unit: "ea", location, deviceId: "scanner-2", operatorId: "op-7" });
      const units = async (location: string) =>
        (await store.stock({ sku: "SKU-1" })).filter((p) => p.location === location).reduce((n, p) => n + p.qty, 0);

      it("corrects a small difference with a COUNT movement from the count, once; a larger one is a task", async () => {
        store.useCountPolicy({ autoCorrectUnits: 2 });
        await store.commit(meta(0), [
          movement({ sku: "SKU-1", qty: 6, to: "S1/A/01", lot: "L1" }),
          movement({ sku: "SKU-1", qty: 3, to: "S1/A/02" }),
          movement({ sku: "SKU-1", qty: 10, to: "S1/A/03" }),
        ]);
        const short = count(4);
        const over = count(5, "S1/A/02");
        const far = count(7, "S1/A/03");
        await store.commit(meta(1), [short, over, far]);
        expect(await units("S1/A/01")).toBe(4);
        expect(await units("S1/A/02")).toBe(5);
        expect(await units("S1/A/03")).toBe(10);
        const counted = (await store.movements({ sku: "SKU-1" })).filter((m) => m.movementType === "COUNT");
        expect(counted).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              from: "S1/A/01",
              qty: 2,
              lot: "L1",
              evidence: { deviceId: "scanner-2", observationIds: [short.id], operatorId: "op-7" },
            }),
            expect.objectContaining({
              to: "S1/A/02",
              qty: 2,
              evidence: expect.objectContaining({ observationIds: [over.id] }),
            }),
          ]),
        );
        expect(counted).toHaveLength(2);
        expect(await store.tasks.list({ status: "open" })).toEqual([
          expect.objectContaining({
            taskType: "COUNT_MISMATCH",
            location: "S1/A/03",
            detail: expect.stringMatching(/counted 7 .* has 10/),
          }),
        ]);
        // A resent count changes nothing again.
        await store.commit(meta(1), [short, over, far]);
        expect(await units("S1/A/01")).toBe(4);
        expect((await store.movements({ sku: "SKU-1" })).filter((m) => m.movementType === "COUNT")).toHaveLength(2);
        expect(await store.tasks.list()).toHaveLength(1);
      });

      it("leaves stock in several lots to a person: the count cannot say which lot is wrong", async () => {
        store.useCountPolicy({ autoCorrectUnits: 5 });
        await store.commit(meta(0), [
          movement({ sku: "SKU-1", qty: 4, to: "S1/A/01", lot: "L1" }),
          movement({ sku: "SKU-1", qty: 2, to: "S1/A/01", lot: "L2" }),
        ]);
        await store.commit(meta(1), [count(5)]);
        expect(await units("S1/A/01")).toBe(6);
        expect(await store.tasks.list({ status: "open" })).toEqual([
          expect.objectContaining({ taskType: "COUNT_MISMATCH", location: "S1/A/01" }),
        ]);
      });
    });

    describe("replenishment", () => {
      it("opens one LOW_STOCK alert per sku and location below the reorder point, with the suggested quantity", async () => {
        await store.importSite(siteLayout());
        const first = await store.commit(meta(0), [
          movement({ sku: "SKU-1", qty: 10, to: "S1/A/01" }),
          movement({ sku: "SKU-1", qty: 2, to: "S1/DOCK/D1" }),
        ]);
        expect(first.alerts).toEqual([]);
        const low = await store.commit(meta(1), [movement({ sku: "SKU-1", qty: 7, from: "S1/A/01" })]);
        // Reorder point 5, safety stock 2, on hand 3: order 5 − 3 + 2 = 4. Docks are not replenished.
        expect(low.alerts).toEqual([
          expect.objectContaining({
            kind: "LOW_STOCK",
            dedupKey: "LOW_STOCK:SKU-1@S1/A/01",
            value: 3,
            limit: 5,
            suggestedOrderQty: 4,
            status: "open",
          }),
        ]);
        expect((await store.commit(meta(2), [movement({ sku: "SKU-1", qty: 1, from: "S1/A/01" })])).alerts).toEqual([]);
        const recovered = await store.commit(meta(3), [movement({ sku: "SKU-1", qty: 10, to: "S1/A/01" })]);
        expect(recovered.alerts).toEqual([expect.objectContaining({ kind: "LOW_STOCK", status: "cleared" })]);
      });

      it("suggests the EOQ when demand and costs are configured", async () => {
        await store.putItem(item({ reorderPoint: 10, annualDemand: 1200, orderCost: 50, holdingCost: 3 }));
        const result = await store.commit(meta(0), [movement({ sku: "SKU-1", qty: 4, to: "S1/A/01" })]);
        // √(2 · 1200 · 50 / 3) = 200
        expect(result.alerts).toEqual([expect.objectContaining({ kind: "LOW_STOCK", suggestedOrderQty: 200 })]);
      });
    });

    describe("expected receipts and shipments", () => {
      it("creates, lists by site and status, refuses other content under the same id, and closes once", async () => {
        const receipt = {
          id: "ASN-1",
          siteId: SITE,
          dock: "S1/DOCK/D1",
          status: "open" as const,
          lines: [{ sku: "SKU-1", qty: 10, sscc: "106141411234567897" }],
        };
        expect(await store.putExpected("receipt", receipt)).toBe("created");
        expect(await store.putExpected("receipt", receipt)).toBe("unchanged");
        expect(await store.putExpected("receipt", { ...receipt, lines: [{ sku: "SKU-1", qty: 11 }] })).toBe("conflict");
        const shipment = { id: "SO-1", siteId: SITE, dock: "S1/DOCK/D1", status: "open" as const, lines: [] };
        shipment.lines = [{ sku: "SKU-1", qty: 2 }] as never;
        expect(await store.putExpected("shipment", shipment)).toBe("created");
        expect(await store.expectedReceipts({ siteId: SITE, status: "open" })).toEqual([receipt]);
        expect(await store.expectedReceipts({ siteId: "OTHER" })).toEqual([]);
        expect(await store.closeExpected("receipt", "ASN-1")).toBe("closed");
        expect(await store.closeExpected("receipt", "ASN-1")).toBe("already-closed");
        expect(await store.closeExpected("receipt", "NOPE")).toBeUndefined();
        expect(await store.expectedReceipts({ status: "open" })).toEqual([]);
        expect(await store.expectedReceipts({ status: "closed" })).toEqual([{ ...receipt, status: "closed" }]);
        expect(await store.expectedShipments()).toEqual([shipment]);
      });
    });

    describe("task lifecycle", () => {
      it("open → assigned → done with adjustments posted as ADJUSTMENT movements; final states refuse changes", async () => {
        const t = task("S1/A/01");
        await store.commit(meta(0), [t]);
        const assigned = await store.tasks.assign(t.id, "ana");
        expect(assigned).toMatchObject({ ok: true, task: { status: "assigned", assignee: "ana" } });
        const done = await store.tasks.complete(
          t.id,
          {
            outcome: "adjusted",
            adjustments: [
              { sku: "SKU-1", location: "S1/A/01", qty: 2 },
              { sku: "SKU-2", location: "S1/A/01", qty: -1, lot: "L1" },
            ],
          },
          "supervisor",
        );
        if (!done.ok) throw new Error("task not completed");
        expect(done.task).toMatchObject({
          status: "done",
          assignee: "ana",
          adjustmentIds: done.adjustments.map((m) => m.id),
        });
        expect(done.adjustments).toEqual([
          expect.objectContaining({ movementType: "ADJUSTMENT", sku: "SKU-1", qty: 2, to: "S1/A/01" }),
          expect.objectContaining({ movementType: "ADJUSTMENT", sku: "SKU-2", qty: 1, from: "S1/A/01", lot: "L1" }),
        ]);
        expect((await store.stock()).map((p) => [p.sku, p.qty])).toEqual([
          ["SKU-1", 2],
          ["SKU-2", -1],
        ]);
        expect(await store.tasks.get(t.id)).toMatchObject({ status: "done", outcome: { outcome: "adjusted" } });
        expect(await store.tasks.dismiss(t.id, "x", "not needed")).toEqual({
          ok: false,
          reason: "bad-state",
          status: "done",
        });
        expect(await store.tasks.assign("missing", "x")).toEqual({ ok: false, reason: "not-found" });
        expect(await store.tasks.list({ status: "done" })).toHaveLength(1);
        expect(await store.tasks.list({ status: "open" })).toEqual([]);
      });

      it("dismisses without a stock change", async () => {
        const t = task();
        await store.commit(meta(0), [t]);
        const dismissed = await store.tasks.dismiss(t.id, "supervisor", "false read");
        expect(dismissed).toMatchObject({
          ok: true,
          task: { status: "dismissed", outcome: { outcome: "no-change", note: "false read" } },
        });
        expect(await store.stock()).toEqual([]);
        expect((await store.tasks.complete(t.id, { outcome: "no-change" }, "x")).ok).toBe(false);
      });
    });

    describe("KPI inputs", () => {
      it("compares counts with the balance at the count's time, and times dock to stock per serial", async () => {
        const epc = "urn:epc:id:sgtin:0614141.812345.9";
        await store.commit(meta(0), [
          movement({ sku: "SKU-1", qty: 1, to: "S1/DOCK/D1", epc, occurredAt: "2026-11-22T08:00:00Z" }),
          movement({
            sku: "SKU-1",
            qty: 1,
            from: "S1/DOCK/D1",
            to: "S1/A/01",
            epc,
            type: "PUTAWAY",
            occurredAt: "2026-11-22T08:05:00Z",
          }),
          movement({ sku: "SKU-1", qty: 4, to: "S1/A/01", occurredAt: "2026-11-22T09:00:00Z" }),
          telemetry(1, { metric: "count:SKU-1", location: "S1/A/01", occurredAt: "2026-11-22T08:30:00Z", unit: "" }),
          telemetry(4, { metric: "count:SKU-1", location: "S1/A/01", occurredAt: "2026-11-22T09:30:00Z", unit: "" }),
        ]);
        expect((await store.counts(10)).map((c) => [c.counted, c.recorded])).toEqual([
          [1, 1],
          [4, 5],
        ]);
        expect(await store.dockToStockSeconds(10)).toEqual([300]);
        // Telemetry waits in the hand-off, one row for the batch in commit order, until the forwarder says the
        // telemetry store has it.
        const later = telemetry(6, { occurredAt: "2026-11-22T10:00:00Z" });
        await store.commit(meta(1), [later]);
        const pending = await store.pendingTelemetry(10);
        expect(pending.map((r) => r.telemetry.map((t) => t.value))).toEqual([[1, 4], [6]]);
        await store.forwardedTelemetry(pending.slice(0, 1).map((r) => r.seq));
        expect(await store.pendingTelemetry(10)).toEqual([{ seq: pending[1]?.seq, telemetry: [later] }]);
        await forwardAll(store);
        expect(await store.pendingTelemetry(10)).toEqual([]);
        // Counts are ledger facts: they stay when their telemetry has left.
        expect((await store.counts(10)).map((c) => c.counted)).toEqual([1, 4]);
      });

      it("hands a sensor reading sent again off once while it waits, and again after its forward; acks it each time", async () => {
        const reading = telemetry(4.5, { occurredAt: "2026-11-22T08:00:00Z" });
        expect((await store.commit(meta(0), [reading])).committed).toEqual([reading.id]);
        // The edge missed the ack and sends it again: acknowledged again, still one row waiting.
        const again = await store.commit(meta(1), [reading]);
        expect(again).toEqual({ committed: [reading.id], duplicates: [], conflicts: [], alerts: [] });
        expect((await pendingReadings(store)).map((t) => t.id)).toEqual([reading.id]);
        // Once forwarded, a resend is handed off again: the telemetry store's writes are idempotent.
        await forwardAll(store);
        await store.commit(meta(2), [reading]);
        expect(await pendingReadings(store)).toEqual([reading]);
      });

      it("hands a batch off as one row, once while it waits, and pages whole rows", async () => {
        const readings = [1, 2, 3].map((v) => telemetry(v, { occurredAt: `2026-11-22T08:0${v}:00Z` }));
        await store.commit(meta(0), readings);
        // The same batch delivered again (a missed ack): acknowledged, not handed off twice.
        expect((await store.commit(meta(0), readings)).committed).toEqual(readings.map((t) => t.id));
        const single = telemetry(9, { occurredAt: "2026-11-22T09:00:00Z" });
        await store.commit(meta(1), [single]);
        // Other readings in another batch are another row, even with one reading in common.
        const overlapping = [readings[2], telemetry(4, { occurredAt: "2026-11-22T08:04:00Z" })].flatMap((t) =>
          t === undefined ? [] : [t],
        );
        await store.commit(meta(2), overlapping);
        const rows = await store.pendingTelemetry(100);
        expect(rows.map((r) => r.telemetry)).toEqual([readings, [single], overlapping]);
        // Whole rows up to the points asked for, at least one row even when it alone is more.
        expect((await store.pendingTelemetry(1)).map((r) => r.telemetry.length)).toEqual([3]);
        expect((await store.pendingTelemetry(4)).map((r) => r.telemetry.length)).toEqual([3, 1]);
        expect((await store.pendingTelemetry(5)).map((r) => r.telemetry.length)).toEqual([3, 1]);
        // After a row: the rows behind it.
        expect((await store.pendingTelemetry(100, rows[0]?.seq)).map((r) => r.telemetry)).toEqual([
          [single],
          overlapping,
        ]);
        expect(await store.pendingTelemetry(100, rows[2]?.seq)).toEqual([]);
        // Exactly the rows named leave.
        await store.forwardedTelemetry([rows[1]?.seq ?? 0]);
        expect((await store.pendingTelemetry(100)).map((r) => r.seq)).toEqual([rows[0]?.seq, rows[2]?.seq]);
      });

      it("refuses a replayed summary of the same period with other figures, before and after its forward", async () => {
        const summary = { periodS: 60, min: 3, max: 5, count: 60 };
        const whole = telemetry(4, { occurredAt: "2026-11-22T08:00:00Z", summary });
        const tail = { ...whole, value: 4.5, summary: { ...summary, min: 4, count: 12 } };
        await store.commit(meta(0), [whole]);
        expect((await store.commit(meta(1), [tail])).conflicts).toEqual([whole.id]);
        await forwardAll(store);
        expect((await store.commit(meta(2), [tail])).conflicts).toEqual([whole.id]);
        expect((await store.commit(meta(3), [whole])).duplicates).toEqual([whole.id]);
        expect(await store.pendingTelemetry(10)).toEqual([]);
      });

      it("keeps a cycle count exactly once: a resend is a duplicate, its count recorded once", async () => {
        await store.importSite(siteLayout());
        const count = telemetry(3, { metric: "count:SKU-1", location: "S1/A/01", unit: "" });
        expect((await store.commit(meta(0), [count])).committed).toEqual([count.id]);
        expect((await store.commit(meta(1), [count])).duplicates).toEqual([count.id]);
        await forwardAll(store);
        expect((await store.commit(meta(2), [count])).duplicates).toEqual([count.id]);
        expect(await store.pendingTelemetry(10)).toEqual([]);
        expect((await store.counts(10)).map((c) => c.counted)).toEqual([3]);
      });

      it("keeps at most a bound of readings in the hand-off, the newest, and keeps a summary whole", async () => {
        const first = telemetry(0, { occurredAt: "2026-11-22T07:59:00Z" });
        await store.commit(meta(0), [first]);
        await store.commit(meta(1), [
          telemetry(1, { occurredAt: "2026-11-22T08:00:00Z" }),
          telemetry(2, { occurredAt: "2026-11-22T08:01:00Z", summary: { periodS: 60, min: 1, max: 3, count: 4 } }),
          telemetry(3, { occurredAt: "2026-11-22T08:02:00Z", excursionWindow: true }),
        ]);
        const last = telemetry(4, { occurredAt: "2026-11-22T08:03:00Z" });
        await store.commit(meta(2), [last]);
        expect(await store.shedTelemetry(5)).toBe(0);
        // A whole row, then the head of the row the bound cuts.
        expect(await store.shedTelemetry(3)).toBe(2);
        const kept = await store.pendingTelemetry(10);
        expect(kept.map((r) => r.telemetry.map((t) => t.value))).toEqual([[2, 3], [4]]);
        expect(kept[0]?.telemetry[0]?.summary).toEqual({ periodS: 60, min: 1, max: 3, count: 4 });
        expect(kept[0]?.telemetry[1]?.excursionWindow).toBe(true);
        // The cut row counts what it keeps.
        expect(await store.shedTelemetry(1)).toBe(2);
        expect(await pendingReadings(store)).toEqual([last]);
      });
    });
  });
}
