import { describe, expect, it } from "vitest";
import { alertEvent, EVENT_T0 as T0 } from "../testing/alert-events.js";
import type { OutboxEvent } from "./group-events.js";
import { planDeliveries } from "./plan-deliveries.js";
import type { WebhookWithSecret } from "./webhook.js";

const hook = (id: string, overrides: Partial<WebhookWithSecret> = {}): WebhookWithSecret => ({
  id,
  name: id,
  url: `http://127.0.0.1/${id}`,
  secret: "s".repeat(32),
  format: "json",
  filters: {},
  createdBy: "admin",
  createdAt: new Date(T0).toISOString(),
  ...overrides,
});

describe("planDeliveries", () => {
  const grouping = { windowMs: 30_000, criticalWindowMs: 30_000 };
  let n = 0;
  const newId = () => `d${++n}`;
  const pending: OutboxEvent[] = [
    { seq: 1, event: alertEvent({ id: "a1", severity: "warning" }) },
    { seq: 2, event: alertEvent({ id: "a2", severity: "critical" }, "escalated") },
    { seq: 3, event: alertEvent({ id: "a3", siteId: "S2" }) },
    { seq: 4, event: alertEvent({ id: "a4" }, "raised", T0 + 20_000) },
  ];

  it("makes one message per due group and subscribed webhook, with only the events it subscribes to", () => {
    const all = hook("all");
    const critical = hook("critical", { filters: { minSeverity: "critical" }, format: "slack" });
    const s2 = hook("s2", { filters: { siteIds: ["S2"] } });
    const plan = planDeliveries(pending, [all, critical, s2], T0 + 30_000, grouping, newId);
    expect(plan.consumed.sort()).toEqual([1, 2, 3, 4]);
    expect(plan.deliveries.map((d) => [d.webhookId, d.siteId, d.events.map((e) => e.alertId)])).toEqual([
      ["all", "S1", ["a1", "a2", "a4"]],
      ["critical", "S1", ["a2"]],
      ["all", "S2", ["a3"]],
      ["s2", "S2", ["a3"]],
    ]);
    const json = JSON.parse(plan.deliveries[0]?.body ?? "") as { events: { alert: { id: string } }[] };
    expect(json.events.map((e) => e.alert.id)).toEqual(["a1", "a2", "a4"]);
    expect(JSON.parse(plan.deliveries[1]?.body ?? "")).toHaveProperty("blocks");
    expect(new Set(plan.deliveries.map((d) => d.id)).size).toBe(4);
  });

  it("leaves groups not yet due in the outbox, and consumes due events no webhook wants", () => {
    const plan = planDeliveries(pending, [hook("s3", { filters: { siteIds: ["S3"] } })], T0 + 10_000, grouping, newId);
    expect(plan).toEqual({ deliveries: [], consumed: [], malformed: [] });
    const later = planDeliveries(pending, [hook("s3", { filters: { siteIds: ["S3"] } })], T0 + 30_000, grouping, newId);
    expect(later).toEqual({ deliveries: [], consumed: [1, 2, 4, 3], malformed: [] });
  });

  it("consumes rows that hold no alert event and names them, without holding up the rest", () => {
    const rows = [
      { seq: 7, event: "not json at all" },
      { seq: 8, event: { event: "raised", at: "x", alert: { id: "a", siteId: "S1" } } },
      { seq: 9, event: null },
      ...pending,
    ];
    const plan = planDeliveries(rows, [hook("all")], T0 + 30_000, grouping, newId);
    expect(plan.malformed).toEqual([7, 8, 9]);
    expect(plan.consumed.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 7, 8, 9]);
    expect(plan.deliveries).toHaveLength(2);
  });
});
