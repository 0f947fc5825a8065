/**
 * The behaviour every LedgerStore adapter must have. Run it from one test file
 * per adapter: `ledgerStoreContract("sqlite", () => createLedgerStore(...))`.
 * `create` must return a store over an empty ledger each time.
 */
import { randomUUID } from "node:crypto";
import type { LedgerStore, Position } from "@tally/cloud";
import { type EdgeEvent, LedgerItem, type Movement } from "@tally/protocols";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { batchCommitsContract } from "./batch-commits-contract.js";
import { condition, meta, movement, siteLayout, task, telemetry } from "./event-fixtures.js";
import { ledgerFeaturesContract } from "./ledger-features-contract.js";
import { taskStoreContract } from "./task-store-contract.js";

export function ledgerStoreContract(name: string, create: () => Promise<LedgerStore>): void {
  ledgerFeaturesContract(name, create);
  taskStoreContract(name, create);
  batchCommitsContract(name, create);
  describe(`LedgerStore contract: ${name}`, () => {
    let store: LedgerStore;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    describe("idempotent commit", () => {
      it("commits new events and reports every one as committed, in batch order", async () => {
        const events = [movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" }), task(), telemetry()];
        const result = await store.commit(meta(), events);
        expect(result).toEqual({ committed: events.map((e) => e.id), duplicates: [], conflicts: [], alerts: [] });
      });

      it("applies a resent batch once and reports its events as duplicates", async () => {
        const events = [movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" }), task()];
        await store.commit(meta(0), events);
        const again = await store.commit(meta(0), events);
        expect(again).toEqual({ committed: [], duplicates: events.map((e) => e.id), conflicts: [], alerts: [] });
        expect(await store.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 5 }]);
        expect(await store.movements()).toHaveLength(1);
        expect(await store.tasks.list()).toHaveLength(1);
      });

      it("reports duplicates and new events of a mixed batch separately", async () => {
        const old = movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" });
        await store.commit(meta(0), [old]);
        const fresh = movement({ sku: "SKU-1", qty: 2, to: "S1/A/01" });
        const result = await store.commit(meta(1), [old, fresh]);
        expect(result.committed).toEqual([fresh.id]);
        expect(result.duplicates).toEqual([old.id]);
        expect(await store.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 7 }]);
      });

      it("applies an id repeated within one batch once", async () => {
        const m = movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" });
        const result = await store.commit(meta(), [m, m]);
        expect(result.committed).toEqual([m.id]);
        expect(result.duplicates).toEqual([m.id]);
        expect((await store.stock())[0]?.qty).toBe(5);
      });

      it("treats an id repeated within one batch with keys in another order as a duplicate", async () => {
        const m = movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" });
        const reordered = Object.fromEntries(Object.entries(m).reverse()) as Movement;
        const result = await store.commit(meta(), [m, reordered]);
        expect(result.duplicates).toEqual([m.id]);
        expect(result.conflicts).toEqual([]);
      });

      it("stores every field as given, whatever the timestamp's offset or precision, and knows a resend", async () => {
        // Offsets and microseconds are valid timestamps; the ledger orders by the instant and keeps the text.
        const early = movement({ sku: "SKU-1", qty: 2, to: "S1/A/01", occurredAt: "2026-11-22T09:00:00.123456+02:00" });
        const late = {
          ...movement({ sku: "SKU-1", qty: 3, from: "S1/A/01", to: "S1/A/02", occurredAt: "2026-11-22T07:30:00.000Z" }),
          lot: "L'1\"\\ü",
          epc: "urn:epc:id:sgtin:0614141.812345.6789",
          sscc: "106141411234567897",
          expiry: "2027-01-31",
          evidence: { deviceId: "portal-1", observationIds: ["o-1", "o-2"] },
          confidence: 0.75,
        };
        // One batch in the stored timestamp form, one not (SQLite takes them apart by two routes).
        expect((await store.commit(meta(0), [late])).committed).toEqual([late.id]);
        expect((await store.commit(meta(1), [early])).committed).toEqual([early.id]);
        expect(await store.movement(early.id)).toEqual(early);
        expect(await store.movement(late.id)).toEqual(late);
        const history = await store.history({ sku: "SKU-1" });
        expect(history.map((e) => [e.movementId, e.occurredAt, e.location, e.lot, e.delta])).toEqual([
          [early.id, "2026-11-22T07:00:00.123Z", "S1/A/01", "", 2],
          [late.id, late.occurredAt, "S1/A/01", late.lot, -3],
          [late.id, late.occurredAt, "S1/A/02", late.lot, 3],
        ]);
        expect((await store.serial(late.epc))?.lastMovementId).toBe(late.id);
        expect(await store.commit(meta(2), [early, late])).toEqual({
          committed: [],
          duplicates: [early.id, late.id],
          conflicts: [],
          alerts: [],
        });
      });

      it("accepts an empty batch", async () => {
        expect(await store.commit(meta(), [])).toEqual({ committed: [], duplicates: [], conflicts: [], alerts: [] });
      });

      it("commits a batch larger than one statement chunk", async () => {
        const events = Array.from({ length: 1234 }, (_, i) => movement({ sku: `SKU-${i % 7}`, qty: 1, to: "S1/A/01" }));
        const result = await store.commit(meta(), events);
        expect(result.committed).toHaveLength(1234);
        const stock = await store.stock();
        expect(stock.reduce((sum, p) => sum + p.qty, 0)).toBe(1234);
        expect(await store.movements({ limit: 1000 })).toHaveLength(1000);
      });
    });

    describe("conflicts", () => {
      it("refuses an event whose id is in the ledger with other content, and keeps the original", async () => {
        const original = movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" });
        await store.commit(meta(0), [original]);
        const changed = { ...original, qty: 50 };
        const result = await store.commit(meta(1), [changed]);
        expect(result).toEqual({ committed: [], duplicates: [], conflicts: [original.id], alerts: [] });
        expect((await store.stock())[0]?.qty).toBe(5);
        expect((await store.movements())[0]?.qty).toBe(5);
      });

      it("refuses an id already used by an event of another kind, either way round", async () => {
        const t = task();
        const m = movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" });
        await store.commit(meta(0), [t, m]);
        const movementWithTaskId = movement({ sku: "SKU-1", qty: 7, to: "S1/A/01", id: t.id });
        const taskWithMovementId = { ...task(), id: m.id };
        const result = await store.commit(meta(1), [movementWithTaskId, taskWithMovementId]);
        expect(result).toEqual({ committed: [], duplicates: [], conflicts: [t.id, m.id], alerts: [] });
        expect(await store.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 5 }]);
        expect(await store.tasks.list()).toHaveLength(1);
      });

      it("treats the same content with keys in another order as a duplicate, not a conflict", async () => {
        const original = movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" });
        await store.commit(meta(0), [original]);
        const reordered = Object.fromEntries(Object.entries(original).reverse()) as Movement;
        expect((await store.commit(meta(1), [reordered])).duplicates).toEqual([original.id]);
      });
    });

    describe("positions", () => {
      it("keeps positions equal to the sum of movements, across batches and resends", async () => {
        let run = 0;
        const skus = ["A", "B"];
        const locations = ["S1/A/01", "S1/A/02", "S1/B/01"];
        const spec = fc.record({
          sku: fc.constantFrom(...skus),
          qty: fc.integer({ min: 1, max: 50 }),
          from: fc.option(fc.constantFrom(...locations), { nil: undefined }),
          to: fc.option(fc.constantFrom(...locations), { nil: undefined }),
          lot: fc.option(fc.constantFrom("L1", "L2"), { nil: undefined }),
        });
        await fc.assert(
          fc.asyncProperty(
            fc.array(spec, { minLength: 1, maxLength: 30 }),
            fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }),
            async (specs, sizes) => {
              run += 1;
              const prefix = `R${run}-`;
              const movements = specs
                .filter((s) => s.from !== undefined || s.to !== undefined)
                .map((s) => movement({ ...s, sku: prefix + s.sku }));
              // Split into batches, and resend each batch once: the ledger must not care.
              let offset = 0;
              for (let i = 0; offset < movements.length; i += 1) {
                const size = sizes[i % sizes.length] ?? 1;
                const batch = movements.slice(offset, offset + size);
                offset += size;
                await store.commit(meta(i), batch);
                await store.commit(meta(i), batch);
              }
              const expected = new Map<string, Position>();
              const add = (sku: string, location: string, lot: string, qty: number) => {
                const key = `${sku}|${location}|${lot}`;
                const p = expected.get(key) ?? { sku, location, lot, qty: 0 };
                p.qty += qty;
                expected.set(key, p);
              };
              for (const m of movements) {
                if (m.from !== undefined) add(m.sku, m.from, m.lot ?? "", -m.qty);
                if (m.to !== undefined) add(m.sku, m.to, m.lot ?? "", m.qty);
              }
              const want = [...expected.values()]
                .filter((p) => p.qty !== 0)
                .sort((a, b) => cmp(a.sku, b.sku) || cmp(a.location, b.location) || cmp(a.lot, b.lot));
              const got = (await store.stock()).filter((p) => p.sku.startsWith(prefix));
              expect(got).toEqual(want);
            },
          ),
          { numRuns: 20 },
        );
      });

      it("moves stock with transfers without creating any, and drops positions that reach zero", async () => {
        await store.commit(meta(0), [movement({ sku: "SKU-1", qty: 10, to: "S1/A/01" })]);
        await store.commit(meta(1), [movement({ sku: "SKU-1", qty: 4, from: "S1/A/01", to: "S1/B/01" })]);
        let stock = await store.stock({ sku: "SKU-1" });
        expect(stock).toEqual([
          { sku: "SKU-1", location: "S1/A/01", lot: "", qty: 6 },
          { sku: "SKU-1", location: "S1/B/01", lot: "", qty: 4 },
        ]);
        expect(stock.reduce((sum, p) => sum + p.qty, 0)).toBe(10);
        await store.commit(meta(2), [movement({ sku: "SKU-1", qty: 6, from: "S1/A/01" })]);
        stock = await store.stock({ sku: "SKU-1" });
        expect(stock).toEqual([{ sku: "SKU-1", location: "S1/B/01", lot: "", qty: 4 }]);
      });

      it("records stock going negative rather than hiding it", async () => {
        await store.commit(meta(), [movement({ sku: "SKU-1", qty: 3, from: "S1/A/01" })]);
        expect(await store.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: -3 }]);
      });

      it("keeps lots apart", async () => {
        await store.commit(meta(), [
          movement({ sku: "SKU-1", qty: 3, to: "S1/A/01", lot: "L1" }),
          movement({ sku: "SKU-1", qty: 4, to: "S1/A/01", lot: "L2" }),
          movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" }),
        ]);
        expect(await store.stock()).toEqual([
          { sku: "SKU-1", location: "S1/A/01", lot: "", qty: 5 },
          { sku: "SKU-1", location: "S1/A/01", lot: "L1", qty: 3 },
          { sku: "SKU-1", location: "S1/A/01", lot: "L2", qty: 4 },
        ]);
      });
    });

    describe("stock filters", () => {
      beforeEach(async () => {
        await store.commit(meta(), [
          movement({ sku: "SKU-1", qty: 1, to: "S1/A/01" }),
          movement({ sku: "SKU-1", qty: 2, to: "S1/A/02", lot: "L1" }),
          movement({ sku: "SKU-2", qty: 3, to: "S1/A/01" }),
          movement({ sku: "SKU-2", qty: 4, to: "S1/A2/01" }),
          movement({ sku: "SKU-2", qty: 5, to: "S1/B_C/01" }),
          movement({ sku: "SKU-2", qty: 6, to: "S1/BXC/01" }),
        ]);
      });

      it("lists every position sorted by sku then location", async () => {
        const stock = await store.stock();
        expect(stock.map((p) => `${p.sku} ${p.location}`)).toEqual([
          "SKU-1 S1/A/01",
          "SKU-1 S1/A/02",
          "SKU-2 S1/A/01",
          "SKU-2 S1/A2/01",
          // Byte order ("C" collation): "X" (0x58) sorts before "_" (0x5F).
          "SKU-2 S1/BXC/01",
          "SKU-2 S1/B_C/01",
        ]);
      });

      it("filters by sku", async () => {
        expect((await store.stock({ sku: "SKU-1" })).map((p) => p.qty)).toEqual([1, 2]);
      });

      it("filters by location prefix on whole segments, with LIKE wildcards taken literally", async () => {
        expect((await store.stock({ locationPrefix: "S1/A" })).map((p) => p.qty)).toEqual([1, 2, 3]);
        expect((await store.stock({ locationPrefix: "S1/A/01" })).map((p) => p.qty)).toEqual([1, 3]);
        expect((await store.stock({ locationPrefix: "S1/B_C" })).map((p) => p.qty)).toEqual([5]);
        expect(await store.stock({ locationPrefix: "S1/Z" })).toEqual([]);
      });

      it("filters by lot and combines filters", async () => {
        expect((await store.stock({ lot: "L1" })).map((p) => p.qty)).toEqual([2]);
        expect((await store.stock({ lot: "" })).map((p) => p.qty)).toEqual([1, 3, 4, 6, 5]);
        expect((await store.stock({ sku: "SKU-2", locationPrefix: "S1/A" })).map((p) => p.qty)).toEqual([3]);
      });

      it("pages in (sku, location, lot) order after a cursor position, each position on exactly one page", async () => {
        const all = await store.stock();
        const pages: Position[][] = [];
        let after: Position | undefined;
        for (;;) {
          const page = await store.stock({ limit: 4, ...(after !== undefined && { after }) });
          if (page.length === 0) break;
          pages.push(page);
          after = page.at(-1);
        }
        expect(pages.map((p) => p.length)).toEqual([4, 2]);
        expect(pages.flat()).toEqual(all);
        // A cursor on a lot in between keeps the lot order: "" sorts before "L1".
        expect(
          (await store.stock({ after: { sku: "SKU-1", location: "S1/A/02", lot: "" }, limit: 1 })).map((p) => p.qty),
        ).toEqual([2]);
      });

      it("caps a page at one more than the largest page, and totals the whole filter whatever the page", async () => {
        await store.commit(
          meta(1),
          Array.from({ length: 1005 }, (_, i) =>
            movement({ sku: "SKU-9", qty: 1, to: `S2/BULK/${String(i).padStart(4, "0")}` }),
          ),
        );
        expect(await store.stock({ limit: 5000 })).toHaveLength(1001);
        expect(await store.stock({ siteId: "S2", limit: 10 })).toHaveLength(10);
        expect(await store.stockTotals({ siteId: "S2" }, ["SKU-9", "SKU-1"])).toEqual({
          totalQty: 1005,
          positions: 1005,
          bySku: [{ sku: "SKU-9", qty: 1005 }],
        });
        expect(await store.stockTotals({ siteId: "S1", sku: "SKU-2" }, ["SKU-2"])).toEqual({
          totalQty: 18,
          positions: 4,
          bySku: [{ sku: "SKU-2", qty: 18 }],
        });
      });
    });

    describe("paging and site filters of lists", () => {
      it("pages alerts and tasks by id cursor in creation order, filtered by site", async () => {
        await store.commit(meta(0), [
          condition("K1", "raised"),
          condition("K2", "raised"),
          { ...condition("K3", "raised"), siteId: "S2", location: "S2/A/01" },
          task("S1/A/01"),
          task("S1/A/02"),
        ]);
        const alerts = await store.alerts();
        expect(alerts).toHaveLength(3);
        const first = await store.alerts({ limit: 2 });
        expect(first.map((a) => a.id)).toEqual(alerts.slice(0, 2).map((a) => a.id));
        expect((await store.alerts({ after: first[1]?.id, limit: 2 })).map((a) => a.id)).toEqual([alerts[2]?.id]);
        expect((await store.alerts({ siteId: "S2" })).map((a) => a.dedupKey)).toEqual(["K3"]);
        const tasks = await store.tasks.list();
        expect((await store.tasks.list({ limit: 1 })).map((t) => t.id)).toEqual([tasks[0]?.id]);
        expect((await store.tasks.list({ after: tasks[0]?.id })).map((t) => t.id)).toEqual([tasks[1]?.id]);
        expect(await store.tasks.list({ siteId: "S2" })).toEqual([]);
      });

      it("pages items by SKU and locations by code", async () => {
        for (const sku of ["C", "A", "B"]) {
          await store.putItem(LedgerItem.parse({ sku, gtins: [], temperatureClass: "ambient" }));
        }
        expect((await store.items({ limit: 2 })).map((i) => i.sku)).toEqual(["A", "B"]);
        expect((await store.items({ after: "B" })).map((i) => i.sku)).toEqual(["C"]);
        await store.importSite(siteLayout());
        const codes = (await store.locations()).map((l) => l.code);
        expect(codes.length).toBeGreaterThan(1);
        expect((await store.locations({ limit: 1 })).map((l) => l.code)).toEqual([codes[0]]);
        expect((await store.locations({ after: codes[0] })).map((l) => l.code)).toEqual(codes.slice(1));
      });

      it("pages expected documents in creation order by id cursor, and finds one by id", async () => {
        for (const id of ["R-2", "R-1", "R-3"]) {
          await store.putExpected("receipt", { id, siteId: "S1", status: "open", lines: [{ sku: "SKU-1", qty: 1 }] });
        }
        const ids = async (query: Parameters<LedgerStore["expectedReceipts"]>[0]) =>
          (await store.expectedReceipts(query)).map((r) => r.id);
        const all = await ids({});
        expect(all.sort()).toEqual(["R-1", "R-2", "R-3"]);
        const ordered = await ids({});
        expect(await ids({ limit: 2 })).toEqual(ordered.slice(0, 2));
        expect(await ids({ after: ordered[1] })).toEqual(ordered.slice(2));
        expect(await ids({ id: "R-3" })).toEqual(["R-3"]);
        expect(await ids({ id: "R-3", siteId: "S2" })).toEqual([]);
      });

      it("filters movements by site", async () => {
        const s2 = movement({ sku: "A", qty: 1, to: "S2/A/01" });
        await store.commit(meta(0), [movement({ sku: "A", qty: 2, to: "S1/A/01" })]);
        await store.commit({ ...meta(1), siteId: "S2" }, [{ ...s2, siteId: "S2" }]);
        expect((await store.movements({ siteId: "S2" })).map((m) => m.qty)).toEqual([1]);
      });
    });

    describe("movements", () => {
      it("lists movements in commit order with their full content", async () => {
        const first = [movement({ sku: "Z", qty: 1, to: "S1/A/01" }), movement({ sku: "A", qty: 2, to: "S1/A/02" })];
        const second = [movement({ sku: "M", qty: 3, from: "S1/A/01", to: "S1/B/01", lot: "L9" })];
        await store.commit(meta(0), first);
        await store.commit(meta(1), second);
        expect(await store.movements()).toEqual([...first, ...second]);
      });

      it("filters by sku and by location on either side, limits and pages with after", async () => {
        const ms = [
          movement({ sku: "A", qty: 1, to: "S1/A/01" }),
          movement({ sku: "B", qty: 2, to: "S1/A/02" }),
          movement({ sku: "A", qty: 3, from: "S1/A/01", to: "S1/B/01" }),
          movement({ sku: "A", qty: 4, from: "S1/B/01" }),
        ];
        await store.commit(meta(), ms);
        const ids = (list: readonly Movement[]) => list.map((m) => m.qty);
        expect(ids(await store.movements({ sku: "A" }))).toEqual([1, 3, 4]);
        expect(ids(await store.movements({ location: "S1/A/01" }))).toEqual([1, 3]);
        expect(ids(await store.movements({ location: "S1/B/01", sku: "A" }))).toEqual([3, 4]);
        expect(ids(await store.movements({ limit: 2 }))).toEqual([1, 2]);
        expect(ids(await store.movements({ after: ms[1]?.id, limit: 1 }))).toEqual([3]);
        expect(ids(await store.movements({ after: randomUUID() }))).toEqual([1, 2, 3, 4]);
      });

      it("pages a location's movements from either side in commit order, each once, with site and type sifted", async () => {
        // In and out in turns, a move within the bin (both sides, once), a bin whose code extends it, other types.
        const ms = [
          movement({ sku: "A", qty: 1, to: "S1/A/01" }),
          movement({ sku: "A", qty: 2, from: "S1/A/01", to: "S1/A/02", type: "TRANSFER" }),
          movement({ sku: "B", qty: 3, to: "S1/A/02" }),
          movement({ sku: "A", qty: 4, from: "S1/A/01", to: "S1/A/01", type: "TRANSFER" }),
          movement({ sku: "A", qty: 5, to: "S1/A/01" }),
          movement({ sku: "A", qty: 6, from: "S1/A/01", type: "PICK" }),
          movement({ sku: "A", qty: 7, to: "S1/A/010" }),
          movement({ sku: "A", qty: 8, to: "S1/A/01" }),
        ];
        await store.commit(meta(), ms);
        const ids = (list: readonly Movement[]) => list.map((m) => m.qty);
        const pages: number[][] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.movements({ location: "S1/A/01", limit: 2, ...(after !== undefined && { after }) });
          if (page.length === 0) break;
          pages.push(ids(page));
          after = page.at(-1)?.id;
        }
        expect(pages).toEqual([
          [1, 2],
          [4, 5],
          [6, 8],
        ]);
        expect(ids(await store.movements({ location: "S1/A/01", siteId: "S1", movementType: "TRANSFER" }))).toEqual([
          2, 4,
        ]);
        expect(await store.movements({ location: "S1/A/01", siteId: "S2" })).toEqual([]);
        expect(ids(await store.movements({ sku: "A", movementType: "PICK", siteId: "S1" }))).toEqual([6]);
      });
    });

    describe("alerts", () => {
      it("opens one alert per key, however often it is raised or resent; cleared before anybody looked, it waits", async () => {
        const raised = condition("TEMPERATURE_EXCURSION:temp-1", "raised");
        const first = await store.commit(meta(0), [raised]);
        expect(first.alerts).toHaveLength(1);
        expect(first.alerts[0]).toMatchObject({
          dedupKey: "TEMPERATURE_EXCURSION:temp-1",
          kind: "TEMPERATURE_EXCURSION",
          severity: "critical",
          status: "open",
          siteId: "S1",
          location: "S1/COLD/01",
          edgeId: "edge-1",
          value: 9.5,
          limit: 8,
          occurrences: 1,
          raisedAt: raised.occurredAt,
        });
        expect((await store.commit(meta(0), [raised])).alerts).toEqual([]);
        const again = condition("TEMPERATURE_EXCURSION:temp-1", "raised");
        expect((await store.commit(meta(1), [again])).alerts).toEqual([]);
        expect(await store.alerts({ status: "open" })).toEqual(first.alerts);

        const cleared = condition("TEMPERATURE_EXCURSION:temp-1", "cleared", undefined, "2026-11-22T08:30:00.000Z");
        const out = await store.commit(meta(2), [cleared]);
        expect(out.alerts).toEqual([{ ...first.alerts[0], status: "cleared" }]);
        expect(await store.alerts({ status: "open" })).toEqual([]);
        expect(await store.alerts({ status: "cleared" })).toEqual(out.alerts);
      });

      it("acknowledged, then cleared by its cause, it is resolved; the timeline says who and when", async () => {
        const [alert] = (await store.commit(meta(0), [condition("TEMPERATURE_EXCURSION:temp-1", "raised")])).alerts;
        const id = alert?.id ?? "";
        const acked = await store.alerting.acknowledge(id, "ana", "going to the cold room");
        expect(acked).toMatchObject({ ok: true, alert: { status: "acknowledged", acknowledgedBy: "ana" } });
        expect(await store.alerting.acknowledge(id, "ben")).toEqual({
          ok: false,
          refusal: "ALERT_ALREADY_ACKNOWLEDGED",
        });
        const cleared = condition("TEMPERATURE_EXCURSION:temp-1", "cleared", undefined, "2026-11-22T08:30:00.000Z");
        expect((await store.commit(meta(1), [cleared])).alerts).toEqual([
          expect.objectContaining({ id, status: "resolved", resolvedAt: "2026-11-22T08:30:00.000Z" }),
        ]);
        const read = await store.alerting.get(id);
        expect(read?.timeline.map((e) => [e.by, e.action, e.note])).toEqual([
          ["system", "raised", undefined],
          ["ana", "acknowledged", "going to the cold room"],
          ["system", "cleared", undefined],
          ["system", "resolved", undefined],
        ]);
        expect(await store.alerting.resolve(id, "ana")).toEqual({ ok: false, refusal: "ALERT_RESOLVED" });
        expect(await store.alerting.acknowledge("no-such-alert", "ana")).toEqual({
          ok: false,
          refusal: "ALERT_NOT_FOUND",
        });
      });

      it("flapping: raised again soon after it ended re-opens the same alert and counts occurrences", async () => {
        const key = "DEVICE_SILENT:portal-1";
        await store.commit(meta(0), [
          condition(key, "raised", "DEVICE_SILENT"),
          condition(key, "cleared", "DEVICE_SILENT"),
        ]);
        const [first] = await store.alerts();
        await store.alerting.acknowledge(first?.id ?? "", "ana");
        const again = await store.commit(meta(1), [condition(key, "raised", "DEVICE_SILENT")]);
        expect(again.alerts).toEqual([
          expect.objectContaining({ id: first?.id, status: "open", occurrences: 2, severity: "minor" }),
        ]);
        expect(await store.alerts()).toHaveLength(1);
      });

      it("a device's dead letters reported above the policy's rate raise DEAD_LETTER_RATE; a quiet minute clears it", async () => {
        const rate = (value: number, minute: number) => ({
          kind: "telemetry" as const,
          id: `dl-${minute}`,
          siteId: "S1",
          occurredAt: `2026-11-22T08:0${minute}:00.000Z`,
          deviceId: "scanner-1",
          metric: "dead-letters",
          value,
          unit: "msg/min",
        });
        const noisy = await store.commit(meta(0), [rate(120, 1)]);
        expect(noisy.alerts).toEqual([
          expect.objectContaining({ kind: "DEAD_LETTER_RATE", deviceId: "scanner-1", value: 120, status: "open" }),
        ]);
        const quiet = await store.commit(meta(1), [rate(0, 2)]);
        expect(quiet.alerts).toEqual([expect.objectContaining({ kind: "DEAD_LETTER_RATE", status: "cleared" })]);
      });

      it("ignores a cleared condition with no live alert", async () => {
        expect(
          (await store.commit(meta(), [condition("SHELF_UNSTABLE:s-1", "cleared", "SHELF_UNSTABLE")])).alerts,
        ).toEqual([]);
        expect(await store.alerts()).toEqual([]);
      });
    });

    describe("tasks", () => {
      it("keeps correction tasks, open, with their content", async () => {
        const t = task("S1/B/07");
        await store.commit(meta(), [t, t]);
        expect(await store.tasks.list()).toEqual([{ ...t, status: "open", createdAt: expect.any(String) }]);
      });
    });

    it("says when each movement was committed, and nothing for ids it does not have", async () => {
      const before = Date.now();
      const m = movement({ sku: "SKU-1", qty: 2, to: "S1/A/01" });
      await store.commit(meta(), [m]);
      const times = await store.commitTimes([m.id, "no-such-id"]);
      expect([...times.keys()]).toEqual([m.id]);
      const at = Date.parse(times.get(m.id) ?? "");
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1000);
      expect(await store.commitTimes([])).toEqual(new Map());
    });

    it("keeps events of every kind in one transaction", async () => {
      const events: EdgeEvent[] = [
        movement({ sku: "SKU-1", qty: 1, to: "S1/A/01" }),
        task(),
        condition("k", "raised"),
        telemetry(),
      ];
      const result = await store.commit(meta(), events);
      expect(result.committed).toEqual(events.map((e) => e.id));
      expect(result.alerts).toHaveLength(1);
    });
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
