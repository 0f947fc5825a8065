import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Alert,
  createCloudMetrics,
  createLedgerStore,
  type enqueueAlertEvents,
  type LedgerStore,
  Notifier,
  type NotifierOptions,
  notifierMetrics,
} from "@tally/cloud";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { probePostgres } from "../support/postgres.js";
import { testLogger } from "../support/quiet-logger.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

type AlertEvent = Parameters<typeof enqueueAlertEvents>[1][number];

function alertEvent(id: string, atMs: number, overrides: Partial<Alert> = {}): AlertEvent {
  return {
    event: "raised",
    at: new Date(atMs).toISOString(),
    alert: {
      id,
      dedupKey: `DEVICE_SILENT:${id}`,
      kind: "DEVICE_SILENT",
      severity: "major",
      status: "open",
      siteId: "S1",
      message: `device ${id} silent`,
      raisedAt: new Date(atMs).toISOString(),
      ...overrides,
    },
  };
}

/** Ten alert events `spacingMs` apart over three sites and two kinds; every third is critical. */
function someEvents(atMs: number, spacingMs = 1000): AlertEvent[] {
  return Array.from({ length: 10 }, (_, k) =>
    alertEvent(`a${k}`, atMs + k * spacingMs, {
      siteId: `S${k % 3}`,
      kind: k % 2 === 0 ? "DEVICE_SILENT" : "TEMPERATURE_EXCURSION",
      severity: k % 3 === 0 ? "critical" : "major",
    }),
  );
}

/** The alert ids a receiver took at `path`, each as often as it arrived. */
function alertIdsAt(receiver: WebhookReceiver, path: string): string[] {
  return receiver.received
    .filter((r) => r.path === path)
    .flatMap((r) => (JSON.parse(r.body) as { events: AlertEvent[] }).events.map((e) => e.alert.id))
    .sort();
}

/** Registers the two webhooks the tests use: everything (json), and critical only. */
async function registerWebhooks(store: LedgerStore, receiver: WebhookReceiver, secrets: Map<string, string>) {
  for (const [path, filters] of [
    ["/all", {}],
    ["/critical", { minSeverity: "critical" as const }],
  ] as const) {
    const secret = `secret${path}-0123456789abcdef`;
    secrets.set(path, secret);
    await store.notifications.createWebhook({
      id: `hook${path.replace("/", "-")}`,
      name: path,
      url: receiver.url(path),
      secret,
      format: "json",
      filters,
      createdBy: "test",
    });
  }
}

const CRITICAL_IDS = ["a0", "a3", "a6", "a9"];
const ALL_IDS = Array.from({ length: 10 }, (_, k) => `a${k}`).sort();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("notifier and a real receiver (SQLite, virtual time)", () => {
  it("delivers every event once through 503s, a closed port and a restart, and tells failing and recovery once", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-notifier-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    let clock = Date.parse("2026-12-03T10:00:00.000Z");
    const secrets = new Map<string, string>();
    const receiver = new WebhookReceiver(secrets, () => clock);
    await receiver.start();
    cleanups.push(() => receiver.stop());
    let store = await createLedgerStore({ dataDir });
    cleanups.push(() => store.close());
    await registerWebhooks(store, receiver, secrets);

    const failing: string[] = [];
    const recovered: string[] = [];
    const metrics = createCloudMetrics();
    const observer = notifierMetrics(metrics.registry);
    const options = (): NotifierOptions => ({
      observer,
      store: store.notifications,
      logger: testLogger(),
      now: () => clock,
      grouping: { windowMs: 30_000 },
      backoff: { baseMs: 1000, capMs: 20_000 },
      random: () => 0.999,
      timeoutMs: 2000,
      failingAfterMs: 120_000,
      onReceiverFailing: (webhook, since) => failing.push(`${webhook.id}@${since}`),
      onReceiverRecovered: (webhook) => recovered.push(webhook.id),
    });
    let notifier = new Notifier(options());
    /** Rounds 5 s of virtual time apart, as the loop would make them. */
    const run = async (rounds: number) => {
      for (let k = 0; k < rounds; k++) {
        await notifier.tick();
        clock += 5000;
      }
    };

    receiver.down();
    await store.notifications.enqueue(someEvents(clock));
    // Within the window nothing is sent; after it, each group fails with 503 and is retried with backoff.
    expect(await notifier.tick()).toEqual({ planned: 0, delivered: 0, failed: 0 });
    // Rounds at T0 … T0 + 150 s: the first groups are due at T0 + 30 s and fail from then on; told failing 120 s later.
    await run(31);
    expect(receiver.refusedWhileDown).toBeGreaterThan(10);
    expect(receiver.received).toEqual([]);
    expect(failing.sort()).toEqual(["hook-all@2026-12-03T10:00:30.000Z", "hook-critical@2026-12-03T10:00:30.000Z"]);
    const log = await store.notifications.deliveries({ limit: 100 });
    // Groups: site × kind of the ten events (6 groups) to /all, the critical ones' groups to /critical.
    expect(log.filter((d) => d.webhookId === "hook-all")).toHaveLength(6);
    expect(log.every((d) => d.status === "pending" && d.attempts > 1)).toBe(true);
    expect(log[0]?.attemptLog[0]).toMatchObject({
      attempt: 1,
      statusCode: 503,
      error: "TALLY_ERR_WEBHOOK_REFUSED: HTTP 503",
    });

    // The cloud process restarts: the next one finds every delivery in the database.
    await notifier.close();
    await store.close();
    store = await createLedgerStore({ dataDir });
    notifier = new Notifier(options());

    // The receiver's port closes (connection refused), then it comes back.
    await receiver.stop();
    await run(10);
    const refused = await store.notifications.deliveries({ limit: 100 });
    expect(refused.some((d) => d.lastError?.startsWith("TALLY_ERR_WEBHOOK_UNREACHABLE: ECONNREFUSED"))).toBe(true);
    await receiver.start();
    receiver.up();
    // The backoff cap is 20 s: within a minute of virtual time every delivery went through.
    await run(14);
    expect(receiver.refusedSignatures).toEqual([]);
    expect(receiver.repeats).toEqual([]);
    expect(alertIdsAt(receiver, "/all")).toEqual(ALL_IDS);
    expect(alertIdsAt(receiver, "/critical")).toEqual(CRITICAL_IDS.sort());
    const done = await store.notifications.deliveries({ limit: 100 });
    expect(done.every((d) => d.status === "delivered")).toBe(true);
    expect(new Set(receiver.received.map((r) => r.deliveryId))).toEqual(new Set(done.map((d) => d.id)));
    expect(recovered.sort()).toEqual(["hook-all", "hook-critical"]);
    // Later rounds send nothing again.
    await run(5);
    expect(receiver.received).toHaveLength(done.length);
    expect(receiver.repeats).toEqual([]);
    const text = await metrics.registry.metrics();
    const count = (outcome: string) =>
      Number(new RegExp(`tally_cloud_webhook_attempts_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(count("delivered")).toBe(done.length);
    expect(count("refused")).toBe(receiver.refusedWhileDown);
    expect(count("unreachable")).toBeGreaterThan(0);
    expect(text).toContain(`tally_cloud_webhook_deliveries_total ${done.length}`);
    await notifier.close();
  });
});

describe("notifier and a slow receiver", () => {
  it("gives up on an answer after the timeout and sends the delivery again under the same Tally-Delivery-Id", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-notifier-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    let clock = Date.parse("2026-12-03T10:00:00.000Z");
    const secrets = new Map<string, string>();
    const receiver = new WebhookReceiver(secrets, () => clock);
    await receiver.start();
    cleanups.push(() => receiver.stop());
    const store = await createLedgerStore({ dataDir });
    cleanups.push(() => store.close());
    await registerWebhooks(store, receiver, secrets);
    const notifier = new Notifier({
      store: store.notifications,
      logger: testLogger(),
      now: () => clock,
      grouping: { windowMs: 0 },
      backoff: { baseMs: 1000, capMs: 1000 },
      random: () => 0.5,
      timeoutMs: 100,
    });
    await store.notifications.enqueue([alertEvent("slow", clock, { severity: "minor" })]);
    receiver.answerDelayMs = 2000;
    expect(await notifier.tick()).toEqual({ planned: 1, delivered: 0, failed: 1 });
    const [late] = await store.notifications.deliveries({ limit: 1 });
    expect(late?.lastError).toBe("TALLY_ERR_WEBHOOK_TIMEOUT: no answer within 100 ms");
    receiver.answerDelayMs = 0;
    clock += 1000;
    expect(await notifier.tick()).toEqual({ planned: 0, delivered: 1, failed: 0 });
    // The receiver had taken it the first time: the repeat is recognised by its delivery id, not taken twice.
    expect(receiver.received.map((r) => r.deliveryId)).toEqual([late?.id]);
    expect(receiver.repeats).toEqual([late?.id]);
    await notifier.close();
  });
});

const server = await probePostgres();
const unavailable = "unavailable" in server ? server.unavailable : undefined;

describe.skipIf(unavailable !== undefined)(
  `two notifiers on one PostgreSQL${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    if ("unavailable" in server) return;
    afterAll(async () => {
      await server.stop();
    });

    it("deliver every event exactly once between them while the receiver fails, closes and comes back", async () => {
      const databaseUrl = await server.freshDatabase();
      const secrets = new Map<string, string>();
      const receiver = new WebhookReceiver(secrets);
      await receiver.start();
      cleanups.push(() => receiver.stop());
      const stores = [await createLedgerStore({ databaseUrl }), await createLedgerStore({ databaseUrl })];
      for (const store of stores) cleanups.push(() => store.close());
      const [first, second] = stores;
      if (first === undefined || second === undefined) throw new Error("two stores expected");
      await registerWebhooks(first, receiver, secrets);

      const failing: string[] = [];
      const recovered: string[] = [];
      // Two processes' worth: each notifier on its own pool, real timers, small bases so it runs in seconds.
      const notifiers = stores.map(
        (store, k) =>
          new Notifier({
            store: store.notifications,
            logger: testLogger(),
            owner: `process-${k}`,
            pollMs: 20,
            grouping: { windowMs: 300 },
            backoff: { baseMs: 20, capMs: 200 },
            timeoutMs: 2000,
            failingAfterMs: 500,
            onReceiverFailing: (webhook) => failing.push(webhook.id),
            onReceiverRecovered: (webhook) => recovered.push(webhook.id),
          }),
      );
      for (const notifier of notifiers) {
        cleanups.push(() => notifier.close());
        notifier.start();
      }

      receiver.down();
      // Events written through both processes, in several transactions.
      const events = someEvents(Date.now(), 10);
      await first.notifications.enqueue(events.slice(0, 5));
      await second.notifications.enqueue(events.slice(5));
      await eventually(
        () => [...failing].sort(),
        (f) => f.length === 2,
        { what: "both webhooks told failing" },
      );
      expect([...failing].sort()).toEqual(["hook-all", "hook-critical"]);
      await receiver.stop();
      await eventually(
        () => first.notifications.deliveries({ limit: 100 }),
        (log) => log.some((d) => d.lastError?.includes("ECONNREFUSED") === true),
        { what: "an attempt refused at the closed port" },
      );
      await receiver.start();
      // Slow answers keep each delivery in flight across several rounds of both notifiers: only the lease
      // keeps the other from sending it too.
      receiver.answerDelayMs = 150;
      receiver.up();
      await eventually(
        () => alertIdsAt(receiver, "/all").length + alertIdsAt(receiver, "/critical").length,
        (n) => n >= ALL_IDS.length + CRITICAL_IDS.length,
        { what: "every event at the receiver" },
      );
      const done = await eventually(
        () => second.notifications.deliveries({ limit: 100 }),
        (log) => log.every((d) => d.status === "delivered"),
        { what: "every delivery recorded delivered" },
      );
      expect(receiver.refusedSignatures).toEqual([]);
      expect(receiver.repeats).toEqual([]);
      expect(alertIdsAt(receiver, "/all")).toEqual(ALL_IDS);
      expect(alertIdsAt(receiver, "/critical")).toEqual(CRITICAL_IDS.sort());
      expect(receiver.received).toHaveLength(done.length);
      const senders = new Set(done.flatMap((d) => d.attemptLog.map((a) => a.sentBy)));
      expect([...senders].every((s) => s === "process-0" || s === "process-1")).toBe(true);
      await eventually(
        () => [...recovered].sort(),
        (r) => r.length === 2,
        { what: "both webhooks told recovered" },
      );
      expect([...recovered].sort()).toEqual(["hook-all", "hook-critical"]);
    });
  },
);
