import {
  type Alert,
  DEFAULT_GROUPING,
  type enqueueAlertEvents,
  type LedgerStore,
  type NotificationStore,
  planDeliveries,
} from "@tally/cloud";
import { afterEach, describe, expect, it } from "vitest";

type AlertEvent = Parameters<typeof enqueueAlertEvents>[1][number];

const T0 = Date.parse("2026-12-03T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

export function alertEvent(id: string, overrides: Partial<Alert> = {}, atMs = T0): AlertEvent {
  return {
    event: "raised",
    at: iso(atMs),
    alert: {
      id,
      dedupKey: `TEMPERATURE_EXCURSION:${id}`,
      kind: "TEMPERATURE_EXCURSION",
      severity: "major",
      status: "open",
      siteId: "S1",
      message: `excursion ${id}`,
      raisedAt: iso(atMs),
      ...overrides,
    },
  };
}

/**
 * A ledger store, and another connection to the same database (a second
 * cloud process). SQLite has none: its one process holds one writer, and a
 * second connection in the same thread would wait on the first forever.
 */
export interface OpenedPair {
  store: LedgerStore;
  another?: () => Promise<LedgerStore>;
}

let ids = 0;
const newId = () => `d-${Date.now()}-${++ids}`;

/** Due outbox events (at `nowMs`) → deliveries, as the notifier plans them. */
const plan = async (store: NotificationStore, nowMs: number) =>
  (
    await store.createDeliveries(
      (pending, webhooks) => planDeliveries(pending, webhooks, nowMs, DEFAULT_GROUPING, newId),
      iso(nowMs),
    )
  ).created;

const webhook = (id: string, filters = {}) => ({
  id,
  name: `hook ${id}`,
  url: `https://example.test/${id}`,
  secret: `secret-${id}-0123456789abcdef`,
  format: "json" as const,
  filters,
  createdBy: "admin",
});

/** What every ledger store's `notifications` part must do (SQLite and PostgreSQL). */
export function notificationStoreContract(name: string, open: () => Promise<OpenedPair>): void {
  describe(`notification store contract (${name})`, () => {
    const opened: LedgerStore[] = [];
    const fresh = async () => {
      const pair = await open();
      opened.push(pair.store);
      return {
        notifications: pair.store.notifications,
        another: async () => {
          if (pair.another === undefined) return pair.store.notifications;
          const other = await pair.another();
          opened.push(other);
          return other.notifications;
        },
      };
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it("keeps webhooks without ever listing their secret; a deleted one is gone from the list", async () => {
      const { notifications } = await fresh();
      const created = await notifications.createWebhook(webhook("w1", { siteIds: ["S1"], minSeverity: "major" }));
      expect(created).toMatchObject({ id: "w1", url: "https://example.test/w1", format: "json", createdBy: "admin" });
      expect(JSON.stringify(created)).not.toContain("secret-w1");
      await notifications.createWebhook(webhook("w2"));
      await notifications.createWebhook(webhook("w3"));
      const listed = await notifications.webhooks();
      expect(listed.map((w) => w.id)).toEqual(["w1", "w2", "w3"]);
      expect(listed[0]?.filters).toEqual({ siteIds: ["S1"], minSeverity: "major" });
      expect(JSON.stringify(listed)).not.toContain("secret-");
      expect((await notifications.webhooks({ limit: 1, after: "w1" })).map((w) => w.id)).toEqual(["w2"]);
      expect(await notifications.webhook("w2")).toEqual(listed[1]);
      expect(await notifications.deleteWebhook("w2", "ops")).toBe(true);
      expect(await notifications.deleteWebhook("w2", "ops")).toBe(false);
      expect(await notifications.deleteWebhook("nope", "ops")).toBe(false);
      expect(await notifications.webhook("w2")).toBeUndefined();
      expect((await notifications.webhooks()).map((w) => w.id)).toEqual(["w1", "w3"]);
    });

    it("turns due outbox events into one delivery per group and webhook, once", async () => {
      const { notifications } = await fresh();
      await notifications.createWebhook(webhook("all"));
      await notifications.createWebhook(webhook("s2", { siteIds: ["S2"] }));
      await notifications.enqueue([alertEvent("a1"), alertEvent("a2", { siteId: "S2" })]);
      await notifications.enqueue([alertEvent("a3", { kind: "LOW_STOCK" }, T0 + 40_000)]);
      expect(await plan(notifications, T0 + 10_000)).toBe(0);
      expect(await plan(notifications, T0 + 30_000)).toBe(3);
      expect(await plan(notifications, T0 + 30_000)).toBe(0);
      const deliveries = await notifications.deliveries({ limit: 10 });
      expect(deliveries.map((d) => [d.webhookId, d.siteId, d.events.map((e) => e.alertId), d.status])).toEqual([
        ["all", "S1", ["a1"], "pending"],
        ["all", "S2", ["a2"], "pending"],
        ["s2", "S2", ["a2"], "pending"],
      ]);
      expect(deliveries[0]).toMatchObject({ attempts: 0, nextAttemptAt: iso(T0 + 30_000), attemptLog: [] });
      // The later event waits for its own window.
      expect(await plan(notifications, T0 + 70_000)).toBe(1);
      expect((await notifications.deliveries({ limit: 10, after: deliveries[2]?.id ?? "" })).length).toBe(1);
    });

    it("removes an outbox row that holds no alert event, names it, and plans the rest", async () => {
      const { notifications } = await fresh();
      await notifications.createWebhook(webhook("w1"));
      const damaged = {
        event: "raised",
        at: iso(T0),
        alert: { id: "x", siteId: "S1", kind: "LOW_STOCK" },
      } as unknown as AlertEvent;
      await notifications.enqueue([damaged, alertEvent("a1")]);
      const result = await notifications.createDeliveries(
        (pending, webhooks) => planDeliveries(pending, webhooks, T0 + 30_000, DEFAULT_GROUPING, newId),
        iso(T0 + 30_000),
      );
      expect(result.created).toBe(1);
      expect(result.malformed).toHaveLength(1);
      expect(await plan(notifications, T0 + 60_000)).toBe(0);
      expect((await notifications.deliveries({ limit: 5 })).map((d) => d.events.map((e) => e.alertId))).toEqual([
        ["a1"],
      ]);
    });

    it("leases a due delivery to one owner; another gets it only when the lease runs out", async () => {
      const { notifications } = await fresh();
      await notifications.createWebhook(webhook("w1"));
      await notifications.enqueue([alertEvent("a1")]);
      await plan(notifications, T0 + 30_000);
      const claim = (owner: string, nowMs: number) =>
        notifications.claimDue({ owner, nowIso: iso(nowMs), leaseUntilIso: iso(nowMs + 60_000), limit: 10 });
      expect(await claim("p1", T0 + 29_000)).toEqual([]);
      const [first] = await claim("p1", T0 + 30_000);
      expect(first).toMatchObject({ attempts: 0, webhook: { id: "w1", secret: "secret-w1-0123456789abcdef" } });
      expect(JSON.parse(first?.body ?? "")).toMatchObject({ siteId: "S1", kind: "TEMPERATURE_EXCURSION" });
      expect(await claim("p2", T0 + 60_000)).toEqual([]);
      expect((await claim("p2", T0 + 90_000)).map((c) => c.id)).toEqual([first?.id]);
    });

    it("records failed attempts with the next try, then the success; a stale owner changes nothing", async () => {
      const { notifications } = await fresh();
      await notifications.createWebhook(webhook("w1"));
      await notifications.enqueue([alertEvent("a1")]);
      await plan(notifications, T0 + 30_000);
      const [claimed] = await notifications.claimDue({
        owner: "p1",
        nowIso: iso(T0 + 30_000),
        leaseUntilIso: iso(T0 + 90_000),
        limit: 1,
      });
      const id = claimed?.id ?? "";
      await notifications.recordAttempt({
        deliveryId: id,
        owner: "p1",
        attempt: {
          attempt: 1,
          at: iso(T0 + 30_000),
          statusCode: 503,
          error: "TALLY_ERR_WEBHOOK_REFUSED: HTTP 503",
          durationMs: 4,
        },
        nextAttemptAt: iso(T0 + 35_000),
      });
      let [d] = await notifications.deliveries({ limit: 1 });
      expect(d).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: iso(T0 + 35_000) });
      expect(d?.lastError).toBe("TALLY_ERR_WEBHOOK_REFUSED: HTTP 503");
      expect(
        await notifications.claimDue({
          owner: "p1",
          nowIso: iso(T0 + 34_000),
          leaseUntilIso: iso(T0 + 99_000),
          limit: 1,
        }),
      ).toEqual([]);
      const [again] = await notifications.claimDue({
        owner: "p2",
        nowIso: iso(T0 + 35_000),
        leaseUntilIso: iso(T0 + 95_000),
        limit: 1,
      });
      expect(again).toMatchObject({ id, attempts: 1 });
      // p1's lease is gone: what it reports now does not overwrite p2's work.
      await notifications.recordAttempt({
        deliveryId: id,
        owner: "p1",
        attempt: { attempt: 9, at: iso(T0 + 36_000), statusCode: 200, durationMs: 1 },
      });
      expect((await notifications.deliveries({ limit: 1 }))[0]?.status).toBe("pending");
      await notifications.recordAttempt({
        deliveryId: id,
        owner: "p2",
        attempt: { attempt: 2, at: iso(T0 + 36_000), statusCode: 204, durationMs: 3 },
      });
      [d] = await notifications.deliveries({ limit: 1, status: "delivered" });
      expect(d).toMatchObject({ id, status: "delivered", attempts: 2, deliveredAt: iso(T0 + 36_000) });
      expect(d?.nextAttemptAt).toBeUndefined();
      expect(d?.attemptLog.map((a) => [a.attempt, a.sentBy, a.statusCode, a.error])).toEqual([
        [1, "p1", 503, "TALLY_ERR_WEBHOOK_REFUSED: HTTP 503"],
        [2, "p2", 204, undefined],
        [9, "p1", 200, undefined],
      ]);
      expect(await notifications.deliveries({ limit: 5, status: "pending" })).toEqual([]);
      expect(await notifications.deliveries({ limit: 5, webhookId: "other" })).toEqual([]);
    });

    it("tells a failing webhook once, after the threshold, and its recovery once", async () => {
      const { notifications, another } = await fresh();
      const other = await another();
      await notifications.createWebhook(webhook("w1"));
      await notifications.enqueue([alertEvent("a1"), alertEvent("a2", { kind: "LOW_STOCK" })]);
      await plan(notifications, T0 + 30_000);
      const claimed = await notifications.claimDue({
        owner: "p1",
        nowIso: iso(T0 + 30_000),
        leaseUntilIso: iso(T0 + 90_000),
        limit: 5,
      });
      expect(claimed).toHaveLength(2);
      const [one, two] = claimed;
      await notifications.recordAttempt({
        deliveryId: one?.id ?? "",
        owner: "p1",
        attempt: {
          attempt: 1,
          at: iso(T0 + 30_000),
          error: "TALLY_ERR_WEBHOOK_UNREACHABLE: ECONNREFUSED",
          durationMs: 1,
        },
        nextAttemptAt: iso(T0 + 31_000),
      });
      expect(await notifications.takeFailing(iso(T0 + 40_000), iso(T0 + 40_000 - 600_000))).toEqual([]);
      const later = T0 + 30_000 + 600_000;
      const [failing] = await other.takeFailing(iso(later), iso(later - 600_000));
      expect(failing).toMatchObject({ webhook: { id: "w1" }, since: iso(T0 + 30_000) });
      expect(await notifications.takeFailing(iso(later + 1), iso(later + 1 - 600_000))).toEqual([]);
      const { recovered } = await notifications.recordAttempt({
        deliveryId: two?.id ?? "",
        owner: "p1",
        attempt: { attempt: 1, at: iso(later), statusCode: 200, durationMs: 1 },
      });
      expect(recovered?.id).toBe("w1");
      // Failing again starts a new episode.
      const [retry] = await notifications.claimDue({
        owner: "p1",
        nowIso: iso(later),
        leaseUntilIso: iso(later + 60_000),
        limit: 5,
      });
      const result = await notifications.recordAttempt({
        deliveryId: retry?.id ?? "",
        owner: "p1",
        attempt: { attempt: 2, at: iso(later), error: "TALLY_ERR_WEBHOOK_TIMEOUT: no answer", durationMs: 1 },
        nextAttemptAt: iso(later + 1000),
      });
      expect(result.recovered).toBeUndefined();
      expect(await notifications.takeFailing(iso(later + 1000), iso(later + 1000 - 600_000))).toEqual([]);
    });

    it("fails the pending deliveries of a deleted webhook and keeps its log", async () => {
      const { notifications } = await fresh();
      await notifications.createWebhook(webhook("w1"));
      await notifications.createWebhook(webhook("w2"));
      await notifications.enqueue([alertEvent("a1")]);
      await plan(notifications, T0 + 30_000);
      expect(await notifications.deleteWebhook("w1", "ops")).toBe(true);
      const deliveries = await notifications.deliveries({ limit: 10 });
      expect(deliveries.map((d) => [d.webhookId, d.status, d.lastError])).toEqual([
        ["w1", "failed", "webhook deleted by ops"],
        ["w2", "pending", undefined],
      ]);
      const claimed = await notifications.claimDue({
        owner: "p1",
        nowIso: iso(T0 + 30_000),
        leaseUntilIso: iso(T0 + 90_000),
        limit: 10,
      });
      expect(claimed.map((c) => c.webhook.id)).toEqual(["w2"]);
      await notifications.enqueue([alertEvent("a2")]);
      await plan(notifications, T0 + 60_000);
      expect((await notifications.deliveries({ limit: 10, webhookId: "w1" })).length).toBe(1);
    });

    it("never gives one delivery to two connections claiming at once", async () => {
      const { notifications, another } = await fresh();
      const other = await another();
      await notifications.createWebhook(webhook("w1"));
      await notifications.enqueue(Array.from({ length: 60 }, (_, k) => alertEvent(`a${k}`, { siteId: `S${k}` })));
      expect(await plan(notifications, T0 + 30_000)).toBe(60);
      const claimers = [notifications, other, notifications, other, notifications, other];
      const rounds = await Promise.all(
        claimers.map((store, k) =>
          store.claimDue({ owner: `p${k}`, nowIso: iso(T0 + 30_000), leaseUntilIso: iso(T0 + 90_000), limit: 15 }),
        ),
      );
      const all = rounds.flat().map((c) => c.id);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(60);
    });

    it("plans each event once when two connections plan at once", async () => {
      const { notifications, another } = await fresh();
      const other = await another();
      await notifications.createWebhook(webhook("w1"));
      await notifications.enqueue(Array.from({ length: 40 }, (_, k) => alertEvent(`a${k}`, { siteId: `S${k % 8}` })));
      const made = await Promise.all([plan(notifications, T0 + 30_000), plan(other, T0 + 30_000)]);
      expect(made[0] + made[1]).toBe(8);
      const deliveries = await notifications.deliveries({ limit: 100 });
      expect(deliveries.flatMap((d) => d.events.map((e) => e.alertId)).sort()).toEqual(
        Array.from({ length: 40 }, (_, k) => `a${k}`).sort(),
      );
    });
  });
}
