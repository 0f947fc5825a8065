import { ErrorCode } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertHub } from "../../alerts/alert-hub.js";
import { buildApp } from "../../app.js";
import { EdgeRegistry } from "../../ingest/edge-registry.js";
import type { LedgerStore } from "../../ledger/ledger-store.js";
import { DEFAULT_GROUPING } from "../../notifications/group-events.js";
import { planDeliveries } from "../../notifications/plan-deliveries.js";
import { alertEvent, EVENT_T0 } from "../../testing/alert-events.js";
import { everyLocationKnown, silentLogger, TEST_TOKENS, tempStore, testCredentials } from "../../testing/fixtures.js";

let app: FastifyInstance;
let store: LedgerStore;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  app = await buildApp({
    siteFacts: everyLocationKnown,
    store,
    logger: silentLogger(),
    alerts: new AlertHub(),
    edges: new EdgeRegistry({ graceMs: 10_000 }),
    credentials: testCredentials(store),
  });
});
afterEach(async () => {
  await app.close();
  await dispose();
});

const as = (role: keyof typeof TEST_TOKENS) => ({ authorization: `Bearer ${TEST_TOKENS[role]}` });

const create = (payload: unknown, role: keyof typeof TEST_TOKENS = "admin") =>
  app.inject({ method: "POST", url: "/v1/webhooks", headers: as(role), payload: payload as object });

describe("webhooks routes", () => {
  it("creates a webhook, answers its secret once, and never lists it", async () => {
    const made = await create({
      name: "ops",
      url: "https://hooks.example.com/tally",
      filters: { minSeverity: "major" },
    });
    expect(made.statusCode).toBe(201);
    const { webhook, secret } = made.json();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(webhook).toMatchObject({
      name: "ops",
      format: "json",
      filters: { minSeverity: "major" },
      createdBy: "env-admin-1",
    });
    const given = await create({
      name: "slack",
      url: "https://hooks.slack.example/T/B",
      format: "slack",
      secret: "s".repeat(20),
    });
    expect(given.json().secret).toBe("s".repeat(20));
    const listed = await app.inject({ url: "/v1/webhooks?limit=1", headers: as("admin") });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().webhooks).toEqual([webhook]);
    expect(listed.json().next).toBe(webhook.id);
    const rest = await app.inject({ url: `/v1/webhooks?after=${webhook.id}`, headers: as("admin") });
    expect(rest.json().webhooks.map((w: { name: string }) => w.name)).toEqual(["slack"]);
    expect(rest.json().next).toBeUndefined();
    expect(listed.body + rest.body).not.toContain(secret);
    expect(rest.body).not.toContain("s".repeat(20));
  });

  it("refuses a URL that is not http(s) with its own code, and filters that contradict", async () => {
    for (const url of ["ftp://example.com/x", "not a url", "https://u:p@example.com/"]) {
      const res = await create({ name: "bad", url });
      expect(res.statusCode, url).toBe(400);
      expect(res.headers["content-type"]).toMatch(/application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: ErrorCode.WebhookUrlInvalid });
    }
    const both = await create({
      name: "bad",
      url: "https://example.com/",
      filters: { minSeverity: "major", severities: ["critical"] },
    });
    expect(both.statusCode).toBe(400);
    expect(both.json().code).toBe(ErrorCode.MessageSchema);
    const kind = await create({ name: "bad", url: "https://example.com/", filters: { kinds: ["NO_SUCH_KIND"] } });
    expect(kind.statusCode).toBe(400);
    expect((await create({ name: "x", url: "https://example.com/", secret: "short" })).statusCode).toBe(400);
  });

  it("is for admins; deleting answers 204, then 404", async () => {
    expect((await create({ name: "x", url: "https://example.com/" }, "supervisor")).statusCode).toBe(403);
    expect((await app.inject({ url: "/v1/webhooks", headers: as("supervisor") })).statusCode).toBe(403);
    expect((await app.inject({ url: "/v1/webhooks" })).statusCode).toBe(401);
    const { webhook } = (await create({ name: "x", url: "https://example.com/" })).json();
    const del = () => app.inject({ method: "DELETE", url: `/v1/webhooks/${webhook.id}`, headers: as("admin") });
    expect(
      (await app.inject({ method: "DELETE", url: `/v1/webhooks/${webhook.id}`, headers: as("supervisor") })).statusCode,
    ).toBe(403);
    expect((await del()).statusCode).toBe(204);
    const again = await del();
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe(ErrorCode.NotFound);
    expect((await app.inject({ url: "/v1/webhooks", headers: as("admin") })).json().webhooks).toEqual([]);
  });

  it("shows supervisors the delivery log with its attempts, filtered and paged", async () => {
    const a = (await create({ name: "a", url: "https://a.example.com/" })).json().webhook;
    await create({ name: "b", url: "https://b.example.com/", filters: { siteIds: ["S2"] } });
    await store.notifications.enqueue([alertEvent({ id: "x1" }), alertEvent({ id: "x2", siteId: "S2" })]);
    let n = 0;
    await store.notifications.createDeliveries(
      (pending, hooks) => planDeliveries(pending, hooks, EVENT_T0 + 30_000, DEFAULT_GROUPING, () => `d${++n}`),
      new Date(EVENT_T0 + 30_000).toISOString(),
    );
    const [claimed] = await store.notifications.claimDue({
      owner: "me",
      nowIso: new Date(EVENT_T0 + 30_000).toISOString(),
      leaseUntilIso: new Date(EVENT_T0 + 90_000).toISOString(),
      limit: 1,
    });
    await store.notifications.recordAttempt({
      deliveryId: claimed?.id ?? "",
      owner: "me",
      attempt: {
        attempt: 1,
        at: new Date(EVENT_T0 + 30_000).toISOString(),
        statusCode: 500,
        error: "TALLY_ERR_WEBHOOK_REFUSED: HTTP 500",
        durationMs: 7,
      },
      nextAttemptAt: new Date(EVENT_T0 + 31_000).toISOString(),
    });
    expect((await app.inject({ url: "/v1/deliveries", headers: as("operator") })).statusCode).toBe(403);
    const page = await app.inject({ url: "/v1/deliveries?limit=2", headers: as("supervisor") });
    expect(page.statusCode).toBe(200);
    const body = page.json();
    expect(body.deliveries).toHaveLength(2);
    expect(body.next).toBe("d2");
    expect(body.deliveries[0]).toMatchObject({
      id: "d1",
      webhookId: a.id,
      siteId: "S1",
      status: "pending",
      attempts: 1,
      lastError: "TALLY_ERR_WEBHOOK_REFUSED: HTTP 500",
      events: [{ event: "raised", alertId: "x1", severity: "major" }],
      attemptLog: [{ attempt: 1, sentBy: "me", statusCode: 500, durationMs: 7 }],
    });
    expect(page.body).not.toContain("secret");
    const rest = await app.inject({ url: "/v1/deliveries?after=d2", headers: as("supervisor") });
    expect(rest.json().deliveries.map((d: { id: string }) => d.id)).toEqual(["d3"]);
    const mine = await app.inject({ url: `/v1/deliveries?webhookId=${a.id}&status=pending`, headers: as("admin") });
    expect(mine.json().deliveries.map((d: { id: string }) => d.id)).toEqual(["d1", "d2"]);
    const bad = await app.inject({ url: "/v1/deliveries?status=lost", headers: as("supervisor") });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe(ErrorCode.QueryInvalid);
  });
});
