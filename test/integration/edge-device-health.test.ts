import { connect as connectTcp, type Socket } from "node:net";
import type { RunningCloud } from "@tally/cloud";
import { type RunningEdge, startEdge } from "@tally/edge";
import { deviceTopic, type SiteLayout } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { linkEdge } from "../support/link-edge.js";
import { testLogger } from "../support/quiet-logger.js";
import { cloudInTempDir } from "../support/temp-cloud.js";

const logger = testLogger();
const EDGE = "edge-health";
// Long enough that a loaded machine connects the devices well within it after the edge starts.
const SILENT_MS = 2500;

/** The demo's dock portal, declared without heartbeats, and a temperature sensor that sends them. */
async function site(): Promise<SiteLayout> {
  const demo = await demoSiteOnPort(await freePort());
  return {
    ...demo,
    devices: demo.devices
      .filter((d) => d.id === "portal-d1" || d.id === "temp-c1")
      .map((d) => (d.id === "portal-d1" ? { ...d, heartbeat: false } : d)),
  };
}
const birth = () => JSON.stringify({ status: "online", sentAt: new Date().toISOString() });

/** MQTT 3.1.1 remaining length (§2.2.3). */
function remainingLength(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}
const utf8 = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};
const packet = (header: number, body: Buffer) =>
  Buffer.concat([Buffer.from([header, ...remainingLength(body.length)]), body]);

describe("device health judged by the connection", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  const start = async (): Promise<{ edge: RunningEdge; cloud: RunningCloud }> => {
    const { cloud } = await cloudInTempDir(stops, "tally-health-", logger);
    const layout = await site();
    const edge = await startEdge({
      site: layout,
      edgeId: EDGE,
      // Anonymous devices on the loopback: each is known by the topic of its first publish.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { httpUrl: cloud.url, token: await linkEdge(cloud, layout, EDGE), flushMs: 10, ackTimeoutMs: 500 },
      logger,
      pipeline: { deviceSilentMs: SILENT_MS },
    });
    stops.push(() => edge.close());
    return { edge, cloud };
  };
  const device = async (url: string, id: string): Promise<MqttClient> => {
    const client = await mqtt.connectAsync(url, { clientId: id, reconnectPeriod: 0, keepalive: 60 });
    stops.push(() => client.endAsync(true));
    return client;
  };
  const alertsOf = async (cloud: RunningCloud, deviceId: string) =>
    (await cloud.store.alerts({})).filter((a) => a.dedupKey === `DEVICE_SILENT:${deviceId}`);

  it("raises nothing for an idle portal that stays connected, raises once its connection is lost, clears on reconnect", async () => {
    const { edge, cloud } = await start();
    const portal = await device(edge.deviceMqttUrl, "portal-d1");
    await portal.publishAsync(deviceTopic("DEMO", "portal-d1", "hb"), birth(), { qos: 1 });
    // The sensor speaks once, after the portal: its DEVICE_SILENT comes later than any the idle portal
    // could raise for data silence, and the outbox delivers in order, so once it is in, so would that be.
    const sensor = await device(edge.deviceMqttUrl, "temp-c1");
    await sensor.publishAsync(deviceTopic("DEMO", "temp-c1", "hb"), birth(), { qos: 1 });
    await eventually(
      () => alertsOf(cloud, "temp-c1"),
      (a) => a.length === 1,
      { what: "the sensor's DEVICE_SILENT" },
    );
    expect(await alertsOf(cloud, "portal-d1")).toEqual([]);

    // The reader loses power: the socket goes without a DISCONNECT.
    const lostAt = Date.now();
    portal.stream.destroy();
    const [raised] = await eventually(
      () => alertsOf(cloud, "portal-d1"),
      (a) => a.length === 1,
      { what: "the portal's DEVICE_SILENT" },
    );
    expect(raised).toMatchObject({ kind: "DEVICE_SILENT", status: "open", location: "DEMO/DOCK/D1" });
    expect(Date.parse(raised?.raisedAt ?? "")).toBeGreaterThanOrEqual(lostAt + SILENT_MS - 50);

    const back = await device(edge.deviceMqttUrl, "portal-d1");
    await back.publishAsync(deviceTopic("DEMO", "portal-d1", "hb"), birth(), { qos: 1 });
    await eventually(
      () => alertsOf(cloud, "portal-d1"),
      (a) => a.length === 1 && a[0]?.status === "cleared",
      { what: "the portal's DEVICE_SILENT cleared (nobody acknowledged it yet)" },
    );
  });

  it("raises for a portal that goes mute without closing its socket, once its keepalive expires", async () => {
    const { edge, cloud } = await start();
    const { port } = new URL(edge.deviceMqttUrl);
    const socket: Socket = connectTcp(Number(port), "127.0.0.1");
    stops.push(async () => socket.destroy());
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    // Flowing, so that the broker's end of the connection is seen (a paused socket never emits close).
    socket.resume();
    const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
    // CONNECT (§3.1) with a 1 s keepalive, clean session; then one publish, then nothing at all: no PINGREQ.
    const connect = Buffer.concat([utf8("MQTT"), Buffer.from([4, 0x02, 0, 1]), utf8("portal-d1")]);
    const lastPacketAt = Date.now();
    socket.write(packet(0x10, connect));
    socket.write(packet(0x30, Buffer.concat([utf8(deviceTopic("DEMO", "portal-d1", "hb")), Buffer.from(birth())])));
    // The broker gives up on it 1.5 keepalives after its last packet (§3.1.2.10) and closes the socket.
    const closedAt = await closed;
    expect(closedAt - lastPacketAt).toBeGreaterThanOrEqual(1450);
    const [raised] = await eventually(
      () => alertsOf(cloud, "portal-d1"),
      (a) => a.length === 1,
      { what: "the portal's DEVICE_SILENT" },
    );
    // The silent limit runs from there.
    expect(Date.parse(raised?.raisedAt ?? "")).toBeGreaterThanOrEqual(closedAt + SILENT_MS - 50);
  });

  it("counts as drained while a sensor keeps beating: heartbeats leave nothing held", async () => {
    const { edge } = await start();
    const sensor = await device(edge.deviceMqttUrl, "temp-c1");
    // A beat every 500 ms, far more often than the pipelines' settle time (several seconds).
    let beating = true;
    const beats = (async () => {
      while (beating) {
        await sensor.publishAsync(deviceTopic("DEMO", "temp-c1", "hb"), birth(), { qos: 1 });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    stops.push(async () => {
      beating = false;
      await beats;
    });
    await eventually(
      () => edge.metrics().observations,
      (n) => n >= 2,
      { what: "the sensor's first beats at the edge" },
    );
    // Beating all along: drained resolves while the beats go on (before, each beat restarted its wait).
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      edge.drained().then(() => "drained"),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve("still waiting"), 25_000);
      }),
    ]);
    clearTimeout(timer);
    expect(drained).toBe("drained");
  });
});
