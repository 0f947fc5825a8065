import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RawReading, type RunningCloud, startCloud } from "@tally/cloud";
import { type RunningEdge, startEdge } from "@tally/edge";
import { deadLetterSubscription, deviceTopic, encodeSgtin96, type TemperatureDevice } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { linkEdge } from "../support/link-edge.js";
import { probeMosquitto } from "../support/mosquitto.js";
import { testLogger } from "../support/quiet-logger.js";

// The skip decision must be known before collection; in CI a missing broker throws here.
const broker = await probeMosquitto();
const unavailable = "unavailable" in broker ? broker.unavailable : undefined;

describe.skipIf(unavailable !== undefined)(
  `edge on a real Mosquitto${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    let cloud: RunningCloud;
    let edge: RunningEdge;
    let device: MqttClient;
    let dataDir: string;
    const deadLetters: { topic: string; body: { code: string; reason: string } }[] = [];

    beforeAll(async () => {
      if ("unavailable" in broker) return;
      dataDir = await mkdtemp(join(tmpdir(), "tally-edge-mosquitto-"));
      const logger = testLogger();
      // Both hops go through Mosquitto: devices → edge, and edge → cloud.
      cloud = await startCloud({ port: 0, dataDir, mqtt: { url: broker.url }, logger });
      const demo = await demoSiteOnPort(await freePort());
      // A second cold-room sensor of its own for the temperature test: no state shared with temp-c1's readings.
      const coldSensor: TemperatureDevice = {
        id: "temp-c2",
        kind: "temperature",
        location: "DEMO/COLD/C1",
        graceS: 30,
        stuckAfterS: 0,
        hysteresisC: 0.5,
        rateWindowS: 120,
        gapS: 60,
        excursionWindowS: 30,
      };
      const site = { ...demo, devices: [...demo.devices.filter((d) => d.kind !== "shelf"), coldSensor] };
      const token = await linkEdge(cloud, site, "edge-it");
      edge = await startEdge({
        site,
        edgeId: "edge-it",
        devices: { url: broker.url },
        uplink: { mqttUrl: broker.url, token, flushMs: 20 },
        logger,
        metricsServer: { port: 0 },
      });
      device = await mqtt.connectAsync(broker.url, { clientId: "it-devices" });
      await device.subscribeAsync(deadLetterSubscription("DEMO"), { qos: 1 });
      device.on("message", (topic, payload) => deadLetters.push({ topic, body: JSON.parse(payload.toString()) }));
    });

    afterAll(async () => {
      await device?.endAsync();
      await edge?.close();
      await cloud?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      if (!("unavailable" in broker)) await broker.stop();
    });

    it("turns repeated tag reads into one RECEIPT each in the ledger", async () => {
      const t0 = Date.now();
      // Two reads on the outer antenna, then two on the inner: a crossing on its own evidence.
      const at = (ms: number) => new Date(t0 + ms).toISOString();
      const epcs = [1, 2, 3, 4, 5].map((serial) => {
        const hex = encodeSgtin96({ gtin: "00614141000012", companyPrefixDigits: 7, serial: 9000 + serial });
        if (!hex.ok) throw new Error(hex.error.message);
        return hex.value;
      });
      const reads = epcs.flatMap((epc) =>
        [1, 1, 2, 2].map((antenna, i) => ({ epc, antenna, rssi: -52, readAt: at(i * 150) })),
      );
      await device.publishAsync(deviceTopic("DEMO", "portal-d1", "read"), JSON.stringify({ reads }), { qos: 1 });
      const stock = await eventually(
        () => cloud.store.stock({ sku: "WIDGET" }),
        (positions) => positions.some((p) => p.qty >= 5),
        { what: "5 WIDGET received at the door" },
      );
      expect(stock).toEqual([{ sku: "WIDGET", location: "DEMO/DOCK/D1", lot: "", qty: 5 }]);
      await edge.drained();
      expect((await cloud.store.movements({ sku: "WIDGET" })).filter((m) => m.movementType === "RECEIPT")).toHaveLength(
        5,
      );
      // Both sides count it for Prometheus.
      const edgeMetrics = await (await fetch(edge.metricsUrl ?? "")).text();
      expect(edgeMetrics).toMatch(/^tally_edge_events_acknowledged_total 5$/m);
      expect(edgeMetrics).toMatch(/^tally_edge_outbox_depth 0$/m);
      expect(edgeMetrics).toMatch(/^tally_edge_ack_latency_seconds_count [1-9]/m);
      const cloudMetrics = await (await fetch(`${cloud.url}/metrics`)).text();
      expect(cloudMetrics).toMatch(/^tally_cloud_events_committed_total 5$/m);
      expect(cloudMetrics).toMatch(/^tally_cloud_batches_total\{transport="mqtt",status="committed"\} [1-9]/m);
    });

    it("takes Zebra and Impinj payloads on the reader's topic like the generic form", async () => {
      const tag = (serial: number) => {
        const hex = encodeSgtin96({ gtin: "00614141000029", companyPrefixDigits: 7, serial });
        if (!hex.ok) throw new Error(hex.error.message);
        return hex.value;
      };
      // Two reads a side, outer antenna first: a crossing on its own evidence.
      const zebra = [
        ["00.100", 1, -60],
        ["00.150", 1, -56],
        ["00.300", 2, -52],
        ["00.350", 2, -55],
      ].map(([at, antenna, peakRssi]) => ({
        type: "SIMPLE",
        timestamp: `2026-11-22T09:00:${at}+0100`,
        data: { format: "epc", idHex: tag(1), antenna, peakRssi },
      }));
      const impinj = [1, 1, 2, 2]
        .map((antennaPort, i) =>
          JSON.stringify({
            timestamp: `2026-11-22T08:00:00.${i}00Z`,
            hostname: "impinj-dock-1",
            eventType: "tagInventory",
            tagInventoryEvent: {
              epc: Buffer.from(tag(2), "hex").toString("base64"),
              antennaPort,
              peakRssiCdbm: -5800,
            },
          }),
        )
        .join("\n");
      await device.publishAsync(deviceTopic("DEMO", "portal-d1", "read"), JSON.stringify(zebra), { qos: 1 });
      await device.publishAsync(deviceTopic("DEMO", "portal-d1", "read"), impinj, { qos: 1 });
      const movements = await eventually(
        async () => (await cloud.store.movements({ sku: "GADGET" })).filter((m) => m.movementType === "RECEIPT"),
        (m) => m.length >= 2,
        { what: "two GADGET receipts from vendor payloads" },
      );
      expect(movements.map((m) => m.epc).sort()).toEqual([
        "urn:epc:id:sgtin:0614141.000002.1",
        "urn:epc:id:sgtin:0614141.000002.2",
      ]);
      expect(movements.every((m) => m.to === "DEMO/DOCK/D1" && m.qty === 1)).toBe(true);
    });

    it("dead-letters malformed, oversize and unknown messages with a reason, and keeps working", async () => {
      const before = deadLetters.length;
      await device.publishAsync(deviceTopic("DEMO", "portal-d1", "read"), "{not json", { qos: 1 });
      await device.publishAsync(deviceTopic("DEMO", "temp-c1", "temp"), JSON.stringify({ celsius: "cold" }), {
        qos: 1,
      });
      await device.publishAsync(deviceTopic("DEMO", "portal-d1", "read"), "x".repeat(300 * 1024), { qos: 1 });
      await device.publishAsync(deviceTopic("DEMO", "ghost-7", "temp"), "{}", { qos: 1 });
      await device.publishAsync("tally/v1/DEMO/dev/portal-d1/read/extra", "{}", { qos: 1 });
      const letters = await eventually(
        () => deadLetters.slice(before),
        (l) => l.length >= 5,
        { what: "five dead letters" },
      );
      expect(letters.map((l) => l.body.code).sort()).toEqual(
        [
          "TALLY_ERR_DEVICE_UNKNOWN",
          "TALLY_ERR_MSG_NOT_JSON",
          "TALLY_ERR_MSG_SCHEMA",
          "TALLY_ERR_MSG_TOO_LARGE",
          "TALLY_ERR_TOPIC_UNKNOWN",
        ].sort(),
      );
      for (const l of letters) expect(l.body.reason.length).toBeGreaterThan(5);
      expect(letters.find((l) => l.body.code === "TALLY_ERR_DEVICE_UNKNOWN")?.topic).toBe(
        "tally/v1/DEMO/dead-letter/ghost-7",
      );
      expect(edge.metrics().deadLetters.TALLY_ERR_MSG_NOT_JSON).toBe(1);
      expect(await (await fetch(edge.metricsUrl ?? "")).text()).toMatch(
        /^tally_edge_dead_letters_total\{code="TALLY_ERR_MSG_NOT_JSON"\} 1$/m,
      );

      // Still alive: a temperature excursion after the garbage becomes an alert.
      await device.publishAsync(
        deviceTopic("DEMO", "temp-c1", "temp"),
        JSON.stringify({ celsius: 12.5, measuredAt: new Date().toISOString() }),
        { qos: 1 },
      );
      const alerts = await eventually(
        () => cloud.store.alerts({}),
        (a) => a.length > 0,
        { what: "a temperature alert" },
      );
      expect(alerts[0]).toMatchObject({ kind: "TEMPERATURE_EXCURSION", status: "open", location: "DEMO/COLD/C1" });
    });

    it("sends 1-minute summaries and the full-rate window around an excursion, with its record, to the cloud", async () => {
      // Device times from 20 minutes ago, aligned to a minute: a reading every 10 s for 5 minutes, 10 °C from
      // +120 s to +170 s (50 s, past the 30 s grace), back to 5 °C at +180 s; one reading at +300 s closes minute 4.
      const base = Math.floor((Date.now() - 20 * 60_000) / 60_000) * 60_000;
      const at = (s: number) => new Date(base + s * 1000).toISOString();
      const seconds = [...Array.from({ length: 25 }, (_, i) => i * 10), 300];
      for (const s of seconds) {
        const celsius = s >= 120 && s <= 170 ? 10 : 5;
        await device.publishAsync(
          deviceTopic("DEMO", "temp-c2", "temp"),
          JSON.stringify({ celsius, measuredAt: at(s) }),
          { qos: 1 },
        );
      }
      // Read back from the telemetry store the cloud forwards to (the ledger does not keep telemetry).
      const raw = async (): Promise<RawReading[]> => {
        const result = await cloud.telemetry.query({
          deviceId: "temp-c2",
          metric: "temperature",
          fromMs: base - 60_000,
          toMs: base + 600_000,
          window: "raw",
          limit: 10_000,
        });
        return result.window === "raw" ? result.points : [];
      };
      const points = await eventually(
        raw,
        (t) => t.filter((p) => p.periodS !== undefined).length >= 5 && t.filter((p) => p.detail).length >= 13,
        { what: "temp-c2's summaries and excursion window in the telemetry store" },
      );
      const summaries = points.filter((p) => p.periodS !== undefined).sort((a, b) => a.at.localeCompare(b.at));
      expect(
        summaries.map((p) => [p.at, p.value, { periodS: p.periodS, min: p.min, max: p.max, count: p.count }]),
      ).toEqual([
        [at(0), 5, { periodS: 60, min: 5, max: 5, count: 6 }],
        [at(60), 5, { periodS: 60, min: 5, max: 5, count: 6 }],
        [at(120), 10, { periodS: 60, min: 10, max: 10, count: 6 }],
        [at(180), 5, { periodS: 60, min: 5, max: 5, count: 6 }],
        [at(240), 5, { periodS: 60, min: 5, max: 5, count: 1 }],
      ]);
      // 30 s before the first reading out of range, every reading during it, the one back, and 30 s after: once each.
      const window = points.filter((p) => p.detail === true).map((p) => p.at);
      expect(window.sort()).toEqual([90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210].map(at));
      expect(points).toHaveLength(5 + 13);

      const alert = await eventually(
        async () => (await cloud.store.alerts({})).find((a) => a.deviceId === "temp-c2"),
        (a) => a !== undefined,
        { what: "temp-c2's excursion alert" },
      );
      expect(alert).toMatchObject({ kind: "TEMPERATURE_EXCURSION", raisedAt: at(150) });
    });
  },
);
