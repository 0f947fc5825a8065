import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startCloud } from "@tally/cloud";
import { type EdgeOptions, type RunningEdge, startEdge } from "@tally/edge";
import { deviceTopic, encodeSgtin96, type SiteLayout } from "@tally/protocols";
import { startTcpProxy } from "@tally/simulators";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { linkEdge } from "../support/link-edge.js";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();
const epc = (gtin: string, serial: number) => {
  const hex = encodeSgtin96({ gtin, companyPrefixDigits: 7, serial });
  if (!hex.ok) throw new Error(hex.error.message);
  return hex.value;
};
const WIDGET = "00614141000012";
const GADGET = "00614141000029";

/** A pass of one tag through the inbound door: outer antenna, then inner (within the test edge's 200 ms silence). */
function pass(tag: string, t0: number) {
  return {
    reads: [
      { epc: tag, antenna: 1, rssi: -55, readAt: new Date(t0).toISOString() },
      { epc: tag, antenna: 1, rssi: -52, readAt: new Date(t0 + 60).toISOString() },
      { epc: tag, antenna: 2, rssi: -48, readAt: new Date(t0 + 150).toISOString() },
      { epc: tag, antenna: 2, rssi: -51, readAt: new Date(t0 + 190).toISOString() },
    ],
  };
}

describe("edge ↔ cloud reference data (expected receipts)", () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  /** The test's edge: anonymous simulated devices on the loopback, its uplink to `cloud`, this reference data. */
  const edgeOf = (
    site: SiteLayout,
    dataDir: string,
    cloud: RunningCloud,
    token: string,
    reference: NonNullable<EdgeOptions["reference"]>,
  ): EdgeOptions => ({
    site,
    edgeId: "edge-ref",
    mode: "development",
    devices: { embedded: { port: 0 } },
    uplink: { mqttUrl: cloud.mqttUrl, token, flushMs: 10 },
    logger,
    dataDir,
    reference,
  });

  async function start(dataDir: string, site: SiteLayout, cloudPort = 0) {
    const cloud = await startCloud({ port: cloudPort, dataDir, mqtt: { embedded: { port: 0 } }, logger });
    const token = await linkEdge(cloud, site, "edge-ref");
    const edge = await startEdge({
      ...edgeOf(site, dataDir, cloud, token, { cloudUrl: cloud.url, token, pollMs: 100 }),
      pipeline: { passes: { silenceMs: 200, stationaryMs: 60_000, maxOpenPasses: 1000, minDirectionGapMs: 100 } },
    });
    return { cloud, edge };
  }

  it("flags what an open receipt does not list, and what it listed but never came when it closes", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-ref-"));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const site = await demoSiteOnPort(await freePort());
    const { cloud, edge }: { cloud: RunningCloud; edge: RunningEdge } = await start(dataDir, site);
    stops.push(() => cloud.close());
    stops.push(() => edge.close());

    const created = await fetch(`${cloud.url}/v1/expected-receipts`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${cloud.adminToken}` },
      body: JSON.stringify({ id: "ASN-42", siteId: "DEMO", dock: "DEMO/DOCK/D1", lines: [{ sku: "WIDGET", qty: 2 }] }),
    });
    expect(created.status).toBe(201);
    await eventually(
      () => edge.metrics().referenceAsOf,
      (asOf) => asOf !== undefined,
      { what: "the edge's copy of the reference data" },
    );
    // The copy is cached for an edge that starts while the cloud is away.
    expect(existsSync(join(dataDir, "edge", "edge-ref", "reference-data.json"))).toBe(true);

    const portal = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "ref-portal" });
    stops.push(async () => void (await portal.endAsync()));
    const t0 = Date.now();
    for (const [i, tag] of [epc(WIDGET, 1), epc(GADGET, 1)].entries()) {
      await portal.publishAsync(deviceTopic("DEMO", "portal-d1", "read"), JSON.stringify(pass(tag, t0 + i * 10)), {
        qos: 1,
      });
    }
    type TaskBody = { tasks: { taskType: string; sku?: string; detail: string }[] };
    const tasks = async () => ((await (await fetch(`${cloud.url}/v1/tasks`)).json()) as TaskBody).tasks;
    const unexpected = await eventually(tasks, (t) => t.length >= 1, { what: "an UNEXPECTED_ITEM task" });
    expect(unexpected).toEqual([expect.objectContaining({ taskType: "UNEXPECTED_ITEM", sku: "GADGET" })]);

    const closed = await fetch(`${cloud.url}/v1/expected-receipts/ASN-42/close`, {
      method: "POST",
      headers: { authorization: `Bearer ${cloud.adminToken}` },
    });
    expect(closed.ok).toBe(true);
    const all = await eventually(tasks, (t) => t.length >= 2, { what: "a MISSING_EXPECTED task" });
    expect(all).toContainEqual(
      expect.objectContaining({
        taskType: "MISSING_EXPECTED",
        sku: "WIDGET",
        detail: expect.stringContaining("1 × WIDGET"),
      }),
    );
  });

  it("starts from its cached copy while the cloud is unreachable", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-ref-"));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const site = await demoSiteOnPort(await freePort());
    const first = await start(dataDir, site);
    await fetch(`${first.cloud.url}/v1/expected-receipts`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${first.cloud.adminToken}` },
      body: JSON.stringify({ id: "ASN-7", siteId: "DEMO", lines: [{ sku: "MILK", qty: 6 }] }),
    });
    const asOf = await eventually(
      () => first.edge.metrics().referenceAsOf,
      (a) => a !== undefined,
      { what: "reference data at the first edge" },
    );
    await first.edge.close();
    // It keeps polling until it closes: what it cached is its last answer, at or after the first.
    const cached = first.edge.metrics().referenceAsOf ?? "";
    expect(cached >= (asOf ?? "")).toBe(true);
    await first.cloud.close();

    // The cloud is gone: nothing listens on the port it had.
    const offline = await startEdge({
      site,
      edgeId: "edge-ref",
      // Anonymous simulated devices on the loopback.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { mqttUrl: `mqtt://127.0.0.1:${await freePort()}` },
      logger,
      dataDir,
      reference: { cloudUrl: `http://127.0.0.1:${await freePort()}`, pollMs: 100 },
    });
    stops.push(() => offline.close());
    expect(offline.metrics().referenceAsOf).toBe(cached);
  });
  it("raises REFERENCE_DATA_STALE at the cloud while it cannot refresh its reference data, and clears it after", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-ref-"));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const site = await demoSiteOnPort(await freePort());
    const cloud = await startCloud({ port: 0, dataDir, mqtt: { embedded: { port: 0 } }, logger });
    stops.push(() => cloud.close());
    const token = await linkEdge(cloud, site, "edge-ref");
    // The cloud's API as the edge reaches it, through a proxy cut at first: the uplink stays up.
    const gate = await startTcpProxy({ host: "127.0.0.1", port: Number(new URL(cloud.url).port) });
    stops.push(() => gate.close());
    gate.cut();
    const gateUrl = `http://${gate.host}:${gate.port}`;
    const startGatedEdge = async () => {
      const running = await startEdge(
        edgeOf(site, dataDir, cloud, token, { cloudUrl: gateUrl, token, pollMs: 100, staleMs: 500 }),
      );
      stops.push(() => running.close());
      return running;
    };
    const edge = await startGatedEdge();

    const staleAlert = async () =>
      (await cloud.store.alerts({})).find((a) => a.kind === "REFERENCE_DATA_STALE" && a.deviceId === "edge-ref");
    const raised = await eventually(staleAlert, (a) => a?.status === "open", {
      what: "REFERENCE_DATA_STALE open at the cloud",
    });
    expect(raised).toMatchObject({ severity: "major", siteId: "DEMO" });
    // With the reason the last poll gave: the proxy refuses the connection.
    expect(raised?.message).toMatch(/has not refreshed its reference data for [\d.]+ min \(fetch failed\)/);
    // The edge works from the site file meanwhile: it has no copy from the cloud, never confirmed.
    expect(edge.metrics()).toMatchObject({ referenceAsOf: undefined, referenceConfirmedAt: undefined });

    const reopened = Date.now();
    gate.restore();
    await eventually(staleAlert, (a) => a?.status === "cleared", { what: "REFERENCE_DATA_STALE cleared" });
    expect(edge.metrics().referenceAsOf).toBeDefined();
    expect(Date.parse(edge.metrics().referenceConfirmedAt ?? "")).toBeGreaterThanOrEqual(reopened);

    // Raised again, and the edge stopped before the cloud answers: the next run clears it at its first answer.
    gate.cut();
    await eventually(staleAlert, (a) => a?.status === "open", { what: "REFERENCE_DATA_STALE open again" });
    await edge.close();
    gate.restore();
    await startGatedEdge();
    await eventually(staleAlert, (a) => a?.status === "cleared", { what: "cleared by the restarted edge" });
  });
});
