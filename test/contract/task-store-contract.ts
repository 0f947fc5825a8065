/**
 * What every TaskStore (the ledger's `tasks`) must do: the lifecycle with
 * its final states, filters and paging, due times and the overdue query,
 * and completion posting its adjustments exactly once, concurrent
 * completions included. Called from `ledgerStoreContract`, so it runs on
 * every ledger adapter.
 */
import type { LedgerStore } from "@tally/cloud";
import type { CorrectionTask, CorrectionTaskType } from "@tally/protocols";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { meta, task } from "./event-fixtures.js";

const kind = (taskType: CorrectionTaskType, overrides: Partial<CorrectionTask> = {}): CorrectionTask => ({
  ...task(),
  taskType,
  ...overrides,
});

const HOUR = 3_600_000;
const inHours = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();
const POLICY = { defaultMinutes: 1440, byType: { COUNT_MISMATCH: 240, WRONG_DOCK: 30 } };

export function taskStoreContract(name: string, create: () => Promise<LedgerStore>): void {
  describe(`TaskStore: ${name}`, () => {
    let store: LedgerStore;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    it("records when the cloud took a task in, and keeps its content", async () => {
      const before = Date.now();
      const t = kind("COUNT_MISMATCH");
      await store.commit(meta(), [t]);
      const stored = await store.tasks.get(t.id);
      expect(stored).toMatchObject({ ...t, status: "open" });
      const createdAt = Date.parse(stored?.createdAt ?? "");
      expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
      expect(createdAt).toBeLessThanOrEqual(Date.now() + 1000);
      expect(await store.tasks.get("no-such-task")).toBeUndefined();
    });

    it("start: open → started with the caller as assignee; an assigned task keeps its assignee; not twice", async () => {
      const [a, b] = [kind("WRONG_ZONE"), kind("WRONG_ZONE")];
      await store.commit(meta(), [a, b]);
      expect(await store.tasks.start(a.id, "ana")).toMatchObject({
        ok: true,
        task: { status: "started", assignee: "ana" },
        adjustments: [],
      });
      expect(await store.tasks.get(a.id)).toMatchObject({ status: "started", assignee: "ana" });
      expect(await store.tasks.start(a.id, "bo")).toEqual({ ok: false, reason: "bad-state", status: "started" });

      await store.tasks.assign(b.id, "carla");
      expect(await store.tasks.start(b.id, "supervisor-dee")).toMatchObject({
        ok: true,
        task: { status: "started", assignee: "carla" },
      });
      // Handing a started task over keeps it started.
      expect(await store.tasks.assign(b.id, "eli")).toMatchObject({
        ok: true,
        task: { status: "started", assignee: "eli" },
      });
      expect(await store.tasks.start("missing", "x")).toEqual({ ok: false, reason: "not-found" });
    });

    it("complete from started posts the adjustments; dismissal records its reason; both are final", async () => {
      const [a, b] = [kind("COUNT_MISMATCH"), kind("UNKNOWN_TAG")];
      await store.commit(meta(), [a, b]);
      await store.tasks.start(a.id, "ana");
      const done = await store.tasks.complete(
        a.id,
        { outcome: "adjusted", adjustments: [{ sku: "SKU-1", location: "S1/A/01", qty: 3 }], note: "recounted" },
        "ana",
      );
      expect(done).toMatchObject({ ok: true, task: { status: "done", assignee: "ana" } });
      expect((await store.stock()).map((p) => [p.sku, p.location, p.qty])).toEqual([["SKU-1", "S1/A/01", 3]]);

      const dismissed = await store.tasks.dismiss(b.id, "sam", "tag of a visitor's badge");
      expect(dismissed).toMatchObject({
        ok: true,
        task: { status: "dismissed", assignee: "sam", dismissReason: "tag of a visitor's badge" },
      });
      expect(await store.tasks.get(b.id)).toMatchObject({
        status: "dismissed",
        dismissReason: "tag of a visitor's badge",
      });
      for (const id of [a.id, b.id]) {
        const status = id === a.id ? "done" : "dismissed";
        expect(await store.tasks.start(id, "x")).toEqual({ ok: false, reason: "bad-state", status });
        expect(await store.tasks.assign(id, "x")).toEqual({ ok: false, reason: "bad-state", status });
        expect(await store.tasks.dismiss(id, "x", "again")).toEqual({ ok: false, reason: "bad-state", status });
        expect((await store.tasks.complete(id, { outcome: "no-change" }, "x")).ok).toBe(false);
      }
      expect((await store.stock()).map((p) => p.qty)).toEqual([3]);
    });

    it("two completions at once: one wins, the other is refused, and the adjustment is in stock once", async () => {
      const t = kind("COUNT_MISMATCH");
      await store.commit(meta(), [t]);
      const outcome = {
        outcome: "adjusted" as const,
        adjustments: [
          { sku: "SKU-1", location: "S1/A/01", qty: 5 },
          { sku: "SKU-1", location: "S1/A/02", qty: -2 },
        ],
      };
      const results = await Promise.all([
        store.tasks.complete(t.id, outcome, "ana"),
        store.tasks.complete(t.id, outcome, "bo"),
        store.tasks.complete(t.id, outcome, "carla"),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([
        { ok: false, reason: "bad-state", status: "done" },
        { ok: false, reason: "bad-state", status: "done" },
      ]);
      expect((await store.stock()).map((p) => [p.location, p.qty])).toEqual([
        ["S1/A/01", 5],
        ["S1/A/02", -2],
      ]);
      const adjustments = await store.movements({ movementType: "ADJUSTMENT" });
      expect(adjustments).toHaveLength(2);
      expect((await store.tasks.get(t.id))?.adjustmentIds).toEqual(adjustments.map((m) => m.id));
    });

    it("lists by status, site, task type and assignee, in creation order a page at a time", async () => {
      const tasks = [
        kind("COUNT_MISMATCH"),
        kind("WRONG_ZONE"),
        kind("COUNT_MISMATCH", { siteId: "S2", location: "S2/A/01" }),
        kind("COUNT_MISMATCH"),
      ];
      await store.commit(meta(), tasks);
      const [first, second, , fourth] = tasks.map((t) => t.id) as [string, string, string, string];
      await store.tasks.assign(first, "ana");
      await store.tasks.assign(second, "ana");
      await store.tasks.start(fourth, "bo");
      const ids = async (query: Parameters<LedgerStore["tasks"]["list"]>[0]) =>
        (await store.tasks.list(query)).map((t) => t.id);
      expect(await ids({ taskType: "COUNT_MISMATCH", siteId: "S1" })).toEqual([first, fourth]);
      expect(await ids({ assignee: "ana" })).toEqual([first, second]);
      expect(await ids({ assignee: "ana", taskType: "WRONG_ZONE" })).toEqual([second]);
      expect(await ids({ status: "started" })).toEqual([fourth]);
      expect(await ids({ siteId: "S2" })).toEqual([tasks[2]?.id]);
      expect(await ids({ taskType: "COUNT_MISMATCH", limit: 1 })).toEqual([first]);
      expect(await ids({ taskType: "COUNT_MISMATCH", after: first })).toEqual([tasks[2]?.id, fourth]);
      expect(await ids({ assignee: "nobody" })).toEqual([]);
    });

    it("overdue: unfinished tasks past their type's due time, oldest first, bounded; finished ones never", async () => {
      const count = kind("COUNT_MISMATCH"); // 4 h
      const dock = kind("WRONG_DOCK"); // 30 min
      const tag = kind("UNKNOWN_TAG"); // the default, 24 h
      const doneCount = kind("COUNT_MISMATCH");
      const startedCount = kind("COUNT_MISMATCH");
      await store.commit(meta(), [count, dock, tag, doneCount, startedCount]);
      await store.tasks.complete(doneCount.id, { outcome: "no-change" }, "ana");
      await store.tasks.start(startedCount.id, "bo");
      const overdue = async (hours: number, limit = 100) =>
        (await store.tasks.overdueTasks(inHours(hours), POLICY, limit)).map((t) => t.id);

      expect(await overdue(0)).toEqual([]);
      expect(await overdue(1)).toEqual([dock.id]);
      expect(await overdue(5)).toEqual([count.id, dock.id, startedCount.id]);
      expect(await overdue(25)).toEqual([count.id, dock.id, tag.id, startedCount.id]);
      expect(await overdue(25, 2)).toEqual([count.id, dock.id]);
      // The same filter through list, combined with others.
      expect(
        (await store.tasks.list({ overdue: { now: inHours(5), policy: POLICY }, status: "started" })).map((t) => t.id),
      ).toEqual([startedCount.id]);
      // Another policy, another answer: nothing is stored about due times.
      expect(
        (await store.tasks.overdueTasks(inHours(1), { defaultMinutes: 30, byType: {} }, 100)).map((t) => t.id),
      ).toEqual([count.id, dock.id, tag.id, startedCount.id]);
    });
  });
}
