import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startCloud } from "@tally/cloud";
import { type RunningEdge, startEdge } from "@tally/edge";
import { deviceTopic } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { linkEdge } from "../support/link-edge.js";
import { probeMosquitto } from "../support/mosquitto.js";
import { testLogger } from "../support/quiet-logger.js";

// The skip decision must be known before collection; in CI a missing broker throws here.
const broker = await probeMosquitto();
const unavailable = "unavailable" in broker ? broker.unavailable : undefined;
// Long enough that a loaded machine connects the devices well within it after the edge starts.
const SILENT_MS = 2500;
const birth = () => JSON.stringify({ status: "online", sentAt: new Date().toISOString() });

describe.skipIf(unavailable !== undefined)(
  `device health behind an external broker, from wills${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    const stops: (() => Promise<unknown>)[] = [];
    let cloud: RunningCloud;
    let edge: RunningEdge;
    let url: string;

    beforeAll(async () => {
      if ("unavailable" in broker) return;
      url = broker.url;
      const dataDir = await mkdtemp(join(tmpdir(), "tally-health-mosquitto-"));
      stops.push(() => rm(dataDir, { recursive: true, force: true }));
      const logger = testLogger();
      cloud = await startCloud({ port: 0, dataDir, mqtt: { url }, logger });
      stops.push(() => cloud.close());
      const demo = await demoSiteOnPort(await freePort());
      const site = {
        ...demo,
        devices: demo.devices
          .filter((d) => d.id === "portal-d1" || d.id === "temp-c1")
          .map((d) => (d.id === "portal-d1" ? { ...d, heartbeat: false } : d)),
      };
      const token = await linkEdge(cloud, site, "edge-health-it");
      edge = await startEdge({
        site,
        edgeId: "edge-health-it",
        devices: { url },
        uplink: { mqttUrl: url, token, flushMs: 20 },
        logger,
        pipeline: { deviceSilentMs: SILENT_MS },
      });
      stops.push(() => edge.close());
    });
    const clients: MqttClient[] = [];
    afterEach(async () => {
      for (const client of clients.splice(0)) await client.endAsync(true);
    });
    afterAll(async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
      if (!("unavailable" in broker)) await broker.stop();
    });

    const portal = async (): Promise<MqttClient> => {
      const client = await mqtt.connectAsync(url, {
        clientId: "portal-d1",
        reconnectPeriod: 0,
        will: { topic: deviceTopic("DEMO", "portal-d1", "hb"), payload: Buffer.from('{"status":"offline"}'), qos: 1 },
      });
      clients.push(client);
      await client.publishAsync(deviceTopic("DEMO", "portal-d1", "hb"), birth(), { qos: 1 });
      return client;
    };
    const alertsOf = async (deviceId: string) =>
      (await cloud.store.alerts({})).filter((a) => a.dedupKey === `DEVICE_SILENT:${deviceId}`);

    it("raises nothing while the idle portal is up, raises after its will, clears on its next birth", async () => {
      const first = await portal();
      // As in the embedded broker's test: the sensor's alert comes after any the idle portal could raise.
      const sensor = await mqtt.connectAsync(url, { clientId: "temp-c1", reconnectPeriod: 0 });
      clients.push(sensor);
      await sensor.publishAsync(deviceTopic("DEMO", "temp-c1", "hb"), birth(), { qos: 1 });
      await eventually(
        () => alertsOf("temp-c1"),
        (a) => a.length === 1,
        { what: "the sensor's DEVICE_SILENT" },
      );
      expect(await alertsOf("portal-d1")).toEqual([]);

      // The socket goes without a DISCONNECT: the broker publishes the portal's will.
      const lostAt = Date.now();
      first.stream.destroy();
      const [raised] = await eventually(
        () => alertsOf("portal-d1"),
        (a) => a.length === 1,
        { what: "the portal's DEVICE_SILENT" },
      );
      expect(raised).toMatchObject({ status: "open", location: "DEMO/DOCK/D1" });
      expect(Date.parse(raised?.raisedAt ?? "")).toBeGreaterThanOrEqual(lostAt + SILENT_MS - 50);

      await portal();
      await eventually(
        () => alertsOf("portal-d1"),
        (a) => a.length === 1 && a[0]?.status === "cleared",
        { what: "the portal's DEVICE_SILENT cleared (nobody acknowledged it yet)" },
      );
    });
  },
);
