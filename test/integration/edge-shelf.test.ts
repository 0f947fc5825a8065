import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBootstrapTokens, startCloud } from "@tally/cloud";
import { startEdge } from "@tally/edge";
import { deviceTopic, type ScanMessage, type ShelfWeightMessage, type SiteLayout } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();
const A1 = "DEMO/PICK/A1";

/**
 * The demo site with its shelf pushing over MQTT, refilled from the dock door; scans and shelf changes of a bin
 * fuse within 1 s (rather than the default 10 s, to keep the test short).
 */
async function mqttShelfSite(): Promise<SiteLayout> {
  const site = await demoSiteOnPort(await freePort());
  return {
    ...site,
    devices: site.devices.map((d) =>
      d.kind === "shelf"
        ? {
            id: d.id,
            kind: "shelf",
            transport: "mqtt",
            bins: d.bins.map(({ location, sku }) => ({ location, sku })),
            replenishFrom: "DEMO/DOCK/D1",
            fusionWindowS: 1,
          }
        : d,
    ),
  };
}

describe("edge → cloud: a smart shelf over MQTT", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("puts a refill, a scanned pick (one movement, both sources) and a suspected theft in the ledger", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-shelf-"));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const edgeSecret = "edge-shelf-secret-0123456789";
    const cloud = await startCloud({
      port: 0,
      dataDir: join(dataDir, "cloud-side"),
      mqtt: { embedded: { port: 0 } },
      logger,
      bootstrapTokens: parseBootstrapTokens(`edge@DEMO/edge-shelf:${edgeSecret}`),
    });
    stops.push(() => cloud.close());
    const site = await mqttShelfSite();
    await cloud.store.importSite(site);
    const edge = await startEdge({
      site,
      edgeId: "edge-shelf",
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { httpUrl: cloud.url, token: edgeSecret, flushMs: 10, ackTimeoutMs: 200 },
      logger,
      dataDir,
    });
    stops.push(() => edge.close());
    const shelf = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "shelf-1" });
    stops.push(() => shelf.endAsync());
    const weigh = (grams: number) => {
      const message: ShelfWeightMessage = { location: A1, grams, measuredAt: new Date().toISOString() };
      return shelf.publishAsync(deviceTopic("DEMO", "shelf-1", "weight"), JSON.stringify(message), { qos: 1 });
    };
    const movements = () => cloud.store.movements({ sku: "WIDGET", limit: 100 });
    const faultCleared = async () =>
      (await cloud.store.alerts()).some((a) => a.kind === "LOAD_CELL_FAULT" && a.status === "cleared");

    // An empty bin first: a reading below zero raises a fault at once, and the 0 g that clears it is the
    // settled baseline — seen in the cloud, so the test waits on it rather than on a clock.
    await weigh(-500);
    await weigh(0);
    await eventually(faultCleared, (cleared) => cleared, { what: "the load-cell fault cleared on a settled 0 g" });

    await weigh(2500);
    await eventually(movements, (m) => m.length === 1, { what: "the refill" });
    // A scanned pick and the bin's drop: one PICK in the ledger, not two.
    const scanner = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "scanner-1" });
    stops.push(() => scanner.endAsync());
    const scan: ScanMessage = {
      gtin: "00614141000012",
      qty: 3,
      action: "PICK",
      location: A1,
      scannedAt: new Date().toISOString(),
      operatorId: "op-7",
    };
    await scanner.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), JSON.stringify(scan), { qos: 1 });
    await weigh(1750);
    const [putaway, pick] = await eventually(movements, (m) => m.length === 2, { what: "the pick" });
    expect(putaway).toMatchObject({ movementType: "PUTAWAY", qty: 10, from: "DEMO/DOCK/D1", to: A1 });
    expect(putaway?.evidence.sources).toEqual(["shelf"]);
    expect(pick).toMatchObject({
      movementType: "PICK",
      qty: 3,
      from: A1,
      confidence: 1,
      evidence: { sources: ["scan", "shelf"], deviceIds: ["scanner-1", "shelf-1"], operatorId: "op-7" },
    });
    expect(pick?.to).toBeUndefined();

    // A drop nobody scanned, with no open expected shipment of WIDGET: an alert, and a low-confidence ADJUSTMENT.
    await weigh(1500);
    const [theft] = await eventually(
      async () => (await cloud.store.alerts()).filter((a) => a.kind === "SUSPECTED_THEFT"),
      (alerts) => alerts.length === 1,
      { what: "the SUSPECTED_THEFT alert" },
    );
    expect(theft).toMatchObject({ status: "open", severity: "major", location: A1, value: 1 });
    expect(theft?.message).toContain("1 × WIDGET (250.0 g) left DEMO/PICK/A1");
    const all = await eventually(movements, (m) => m.length === 3, { what: "the adjustment" });
    expect(all.filter((m) => m.movementType === "PICK")).toHaveLength(1);
    expect(all[2]).toMatchObject({ movementType: "ADJUSTMENT", qty: 1, from: A1, evidence: { sources: ["shelf"] } });
  });
});
