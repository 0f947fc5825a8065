import { join } from "node:path";
import { type RunningCloud, startCloud } from "@tally/cloud";
import { startEdge } from "@tally/edge";
import { deviceTopic, type SiteLayout } from "@tally/protocols";
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { demoWithoutShelvesInTempDir, type ShelfFreeDemo } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { linkEdge } from "../support/link-edge.js";
import { probeMosquitto } from "../support/mosquitto.js";
import { testLogger } from "../support/quiet-logger.js";

const broker = await probeMosquitto();
const unavailable = "unavailable" in broker ? broker.unavailable : "";
const logger = testLogger();

const scan = (lot: string) =>
  JSON.stringify({ gtin: "00614141000029", action: "RECEIPT", lot, scannedAt: new Date().toISOString() });

describe.skipIf(unavailable !== "")(
  `an edge with 4 batches in flight and a cloud restarted mid-stream${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    const stops: (() => Promise<unknown>)[] = [];
    let site: SiteLayout;
    let dataDir: string;
    let demo: ShelfFreeDemo | undefined;
    beforeAll(async () => {
      demo = await demoWithoutShelvesInTempDir("tally-uplink-window-");
      ({ site, dataDir } = demo);
    });
    afterEach(async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    });
    afterAll(async () => {
      await demo?.close();
      if (!("unavailable" in broker)) await broker.stop();
    });

    it("commits every scan exactly once and in the order the edge queued them", async () => {
      if ("unavailable" in broker) return;
      const cloudDir = join(dataDir, "cloud");
      const startOurCloud = () => startCloud({ port: 0, dataDir: cloudDir, mqtt: { url: broker.url }, logger });
      let cloud: RunningCloud | undefined = await startOurCloud();
      stops.push(async () => cloud?.close());
      const token = await linkEdge(cloud, site, "edge-window");
      const edge = await startEdge({
        site,
        edgeId: "edge-window",
        mode: "development",
        devices: { embedded: { port: 0 } },
        // Small batches, so a few hundred scans make many batches and the window is full.
        uplink: { mqttUrl: broker.url, token, window: 4, maxBatch: 10, ackTimeoutMs: 500, maxAckTimeoutMs: 1000 },
        logger,
        dataDir: join(dataDir, "edge"),
      });
      stops.push(() => edge.close());
      const device = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "window-scanner" });
      stops.push(() => device.endAsync());

      const lots = Array.from({ length: 400 }, (_, i) => `W${String(i).padStart(4, "0")}`);
      const publishing = (async () => {
        for (const lot of lots)
          await device.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), scan(lot), { qos: 1 });
      })();
      // Mid-stream: once part of it is committed (and more in flight), the cloud goes away and comes back.
      const first = cloud;
      await eventually(
        () => first.store.movements({ sku: "GADGET", limit: 1000 }),
        (m) => m.length >= 60,
        { what: "part of the stream committed" },
      );
      // The window is used: several batches in flight at once.
      await eventually(
        () => edge.metrics().uplink.batchesInFlight ?? 0,
        (n) => n >= 2,
        { what: "two batches in flight", intervalMs: 1 },
      );
      await first.close();
      cloud = undefined;
      cloud = await startOurCloud();
      await publishing;
      await edge.drained();

      const ledger = await cloud.store.movements({ sku: "GADGET", limit: 1000 });
      // Exactly once: every lot, none twice; in order: the ledger's order is the order the scans were queued.
      expect(ledger.map((m) => m.lot)).toEqual(lots);
      expect(edge.metrics().outboxDepth).toBe(0);
      expect(edge.metrics().uplink.batchesInFlight).toBe(0);
    });
  },
);
