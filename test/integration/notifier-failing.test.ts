import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AlertPolicy, startCloud } from "@tally/cloud";
import { afterEach, describe, expect, it } from "vitest";
import { raisedCondition } from "../support/conditions.js";
import { eventually } from "../support/eventually.js";
import { testLogger } from "../support/quiet-logger.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

/**
 * The notifier watched like any other part: a webhook receiver that fails
 * every delivery for longer than the policy allows raises NOTIFIER_FAILING
 * through the whole cloud (SQLite, its own notifier and sweeper); the
 * receiver's first success clears it.
 */
describe("a failing webhook receiver is an alert of its own", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("raises NOTIFIER_FAILING after the policy's time of failures, and clears it when deliveries go through", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-notifier-failing-"));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const cloud = await startCloud({
      port: 0,
      dataDir,
      mqtt: { embedded: { port: 0 } },
      // Failing for a second is too long here (the default is ten minutes).
      alertPolicy: new AlertPolicy({ groupWindowSeconds: 0, rules: { notifierFailingMinutes: 1 / 60 } }),
      logger: testLogger(),
    });
    stops.push(() => cloud.close());
    const secrets = new Map<string, string>();
    const receiver = new WebhookReceiver(secrets);
    await receiver.start();
    stops.push(() => receiver.stop());
    receiver.down();
    const created = await fetch(`${cloud.url}/v1/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${cloud.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "night desk", url: receiver.url("/hook"), filters: { siteIds: ["DEMO"] } }),
    });
    expect(created.status).toBe(201);
    secrets.set("/hook", ((await created.json()) as { secret: string }).secret);
    await cloud.store.commit({ edgeId: "edge-1", siteId: "DEMO", batchId: "b-1", seq: 0 }, [
      raisedCondition({ id: "c-1" }),
    ]);
    const failing = () => cloud.store.alerts({ kind: "NOTIFIER_FAILING" });
    const [raised] = await eventually(failing, (a) => a.some((x) => x.status === "open"), {
      what: "NOTIFIER_FAILING raised",
      timeoutMs: 30_000,
    });
    expect(raised).toMatchObject({ siteId: "DEMO", severity: "major" });
    expect(raised?.message).toContain("night desk");
    receiver.up();
    await eventually(failing, (a) => a.length === 1 && a[0]?.status === "cleared", {
      what: "NOTIFIER_FAILING cleared once deliveries go through",
      timeoutMs: 60_000,
    });
    expect(receiver.refusedSignatures).toEqual([]);
  });
});
