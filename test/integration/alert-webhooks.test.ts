import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AlertEvent, AlertPolicy, type RunningCloud, startCloud } from "@tally/cloud";
import type { Condition } from "@tally/protocols";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { raisedCondition } from "../support/conditions.js";
import { eventually } from "../support/eventually.js";
import { probePostgres } from "../support/postgres.js";
import { testLogger } from "../support/quiet-logger.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

// The skip decision must be known before collection; in CI a missing server throws here.
const postgres = await probePostgres();
const unavailable = "unavailable" in postgres ? postgres.unavailable : "";
const logger = testLogger();

const raised = (key: string, conditionType: Condition["conditionType"], deviceId: string): Condition =>
  raisedCondition({ key, conditionType, deviceId });

/**
 * Alerts to webhooks through the whole cloud: ledger commit → alert → outbox →
 * notifier → a real receiver that verifies every signature. Two cloud
 * processes' worth on one PostgreSQL, the receiver down first.
 */
describe.skipIf(unavailable !== "")(
  `alerts reach webhooks, signed, grouped, once, from two cloud instances${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    const stops: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    });
    afterAll(async () => {
      if (!("unavailable" in postgres)) await postgres.stop();
    });

    it("a receiver that is down gets every alert once it is back, grouped by site and kind, none twice", async () => {
      if ("unavailable" in postgres) return;
      const dataDir = await mkdtemp(join(tmpdir(), "tally-alert-webhooks-"));
      stops.push(() => rm(dataDir, { recursive: true, force: true }));
      const databaseUrl = await postgres.freshDatabase();
      const policy = new AlertPolicy({ groupWindowSeconds: 1 });
      const clouds: RunningCloud[] = [];
      for (let i = 0; i < 2; i++) {
        const cloud = await startCloud({
          port: 0,
          databaseUrl,
          dataDir,
          mqtt: { embedded: { port: 0 } },
          alertPolicy: policy,
          logger,
        });
        stops.push(() => cloud.close());
        clouds.push(cloud);
      }
      const [a, b] = clouds as [RunningCloud, RunningCloud];
      const secrets = new Map<string, string>();
      const receiver = new WebhookReceiver(secrets);
      await receiver.start();
      stops.push(() => receiver.stop());
      receiver.down();

      const created = await fetch(`${a.url}/v1/webhooks`, {
        method: "POST",
        headers: { authorization: `Bearer ${a.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "control room", url: receiver.url("/hook"), filters: { siteIds: ["DEMO"] } }),
      });
      expect(created.status).toBe(201);
      secrets.set("/hook", ((await created.json()) as { secret: string }).secret);

      const out = await a.store.commit({ edgeId: "edge-1", siteId: "DEMO", batchId: "b-1", seq: 0 }, [
        raised("TEMPERATURE_EXCURSION:cold-1", "TEMPERATURE_EXCURSION", "cold-1"),
        raised("DEVICE_SILENT:scanner-1", "DEVICE_SILENT", "scanner-1"),
        raised("DEVICE_SILENT:scanner-2", "DEVICE_SILENT", "scanner-2"),
      ]);
      expect(out.alerts).toHaveLength(3);

      // Refused while down: the delivery log (read through the other instance) shows failed attempts.
      const deliveries = async () =>
        (
          (await (
            await fetch(`${b.url}/v1/deliveries`, { headers: { authorization: `Bearer ${b.adminToken}` } })
          ).json()) as {
            deliveries: { status: string; attempts: number; attemptLog: { sentBy: string }[] }[];
          }
        ).deliveries;
      await eventually(deliveries, (d) => d.length === 2 && d.every((x) => x.attempts > 0), {
        what: "both messages tried and refused",
        timeoutMs: 20_000,
      });
      expect(receiver.received).toEqual([]);
      receiver.up();

      await eventually(
        async () => receiver.received,
        (r) => r.length === 2,
        {
          what: "both messages delivered once the receiver is back",
          timeoutMs: 30_000,
        },
      );
      expect(receiver.refusedSignatures).toEqual([]);
      expect(receiver.repeats).toEqual([]);
      const bodies = receiver.received.map((r) => JSON.parse(r.body) as { kind: string; events: AlertEvent[] });
      // One message per site and kind: the two silent scanners together.
      expect(bodies.map((m) => [m.kind, m.events.length]).sort()).toEqual([
        ["DEVICE_SILENT", 2],
        ["TEMPERATURE_EXCURSION", 1],
      ]);
      const told = bodies.flatMap((m) => m.events.map((e) => `${e.event}:${e.alert.id}`)).sort();
      expect(told).toEqual(out.alerts.map((x) => `raised:${x.id}`).sort());
      await eventually(deliveries, (d) => d.every((x) => x.status === "delivered"), { what: "the log says delivered" });
    });
  },
);
