import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBootstrapTokens, type RunningCloud, startCloud } from "@tally/cloud";
import { startEdge } from "@tally/edge";
import { deviceTopic, encodeSgtin96 } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();
const tag = (serial: number) => {
  const hex = encodeSgtin96({ gtin: "00614141000012", companyPrefixDigits: 7, serial });
  if (!hex.ok) throw new Error(hex.error.message);
  return hex.value;
};
const pass = (epc: string, t0: number) => ({
  reads: [
    { epc, antenna: 1, rssi: -55, readAt: new Date(t0).toISOString() },
    { epc, antenna: 1, rssi: -52, readAt: new Date(t0 + 40).toISOString() },
    { epc, antenna: 2, rssi: -50, readAt: new Date(t0 + 150).toISOString() },
    { epc, antenna: 2, rssi: -54, readAt: new Date(t0 + 190).toISOString() },
  ],
});

describe("edge → cloud over HTTP (POST /v1/ingest)", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("delivers every movement exactly once across a cloud outage", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-http-uplink-"));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const cloudDir = join(dataDir, "cloud-side");
    // The edge's own credential, as TALLY_API_TOKENS gives it to every cloud start: ingest takes nothing else.
    const edgeSecret = "edge-http-secret-0123456789";
    const bootstrapTokens = parseBootstrapTokens(`edge@DEMO/edge-http:${edgeSecret}`);
    let cloud: RunningCloud = await startCloud({
      port,
      dataDir: cloudDir,
      mqtt: { embedded: { port: 0 } },
      logger,
      bootstrapTokens,
    });
    const site = await demoSiteOnPort(await freePort());
    // Ingest checks events against the site's layout: imported as an administrator would.
    await cloud.store.importSite(site);
    const edge = await startEdge({
      site,
      edgeId: "edge-http",
      // Anonymous test devices on the loopback.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { httpUrl: cloud.url, token: edgeSecret, flushMs: 10, ackTimeoutMs: 200 },
      logger,
      dataDir,
      pipeline: { passes: { silenceMs: 200, stationaryMs: 60_000, maxOpenPasses: 1000, minDirectionGapMs: 100 } },
    });
    stops.push(() => edge.close());
    const portal = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "http-portal" });
    stops.push(() => portal.endAsync());
    const publish = async (serials: number[]) => {
      const t0 = Date.now();
      for (const s of serials) {
        await portal.publishAsync(deviceTopic("DEMO", "portal-d1", "read"), JSON.stringify(pass(tag(s), t0)), {
          qos: 1,
        });
      }
    };
    const receipts = async (c: RunningCloud) =>
      (await c.store.movements({ sku: "WIDGET", limit: 1000 })).filter((m) => m.movementType === "RECEIPT");

    await publish([1, 2, 3]);
    await eventually(
      () => receipts(cloud),
      (m) => m.length === 3,
      { what: "three receipts over HTTP" },
    );

    // The cloud goes away; the edge keeps what it makes in its outbox.
    await cloud.close();
    const sentBefore = edge.metrics().uplink.batchesSent;
    await publish([4, 5]);
    // The edge has tried to send them, and failed: they wait in the outbox.
    await eventually(
      () => edge.metrics(),
      (m) => m.outboxDepth >= 2 && m.uplink.batchesSent > sentBefore,
      { what: "a failed send with events waiting in the outbox" },
    );

    // Back on the same address and ledger: the backlog drains, nothing twice.
    cloud = await startCloud({ port, dataDir: cloudDir, mqtt: { embedded: { port: 0 } }, logger, bootstrapTokens });
    const back = cloud;
    stops.push(() => back.close());
    const all = await eventually(
      () => receipts(back),
      (m) => m.length >= 5,
      { what: "five receipts after the outage" },
    );
    await edge.drained();
    expect((await receipts(back)).length).toBe(5);
    expect(new Set(all.map((m) => m.epc)).size).toBe(5);
    expect(edge.metrics().uplink.resends).toBeGreaterThan(0);
  });
});
