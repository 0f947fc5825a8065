import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AlertPolicy, type RawReading, type RunningCloud, startCloud } from "@tally/cloud";
import { type RunningEdge, SqliteJournal, startEdge } from "@tally/edge";
import { deviceTopic } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { linkEdge } from "../support/link-edge.js";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();
const EDGE = "edge-dlr";
// Windows of half a second stand in for minutes, so the test waits on windows ending, not on a clock.
const INTERVAL_MS = 500;

describe("each device's dead-letter rate", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  /** A cloud on SQLite in a fresh folder, and an edge linked to it with its journal in the same folder. */
  const start = async (
    beforeEdge?: (dataDir: string) => Promise<void>,
  ): Promise<{ cloud: RunningCloud; edge: RunningEdge; siteId: string }> => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-dead-letter-rates-"));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const site = await demoSiteOnPort(await freePort());
    const cloud = await startCloud({
      port: 0,
      dataDir: join(dataDir, "cloud"),
      mqtt: { embedded: { port: 0 } },
      // Two refused messages a window are too many here: the cloud's DEAD_LETTER_RATE rule reads the reports.
      alertPolicy: new AlertPolicy({ rules: { deadLettersPerMinute: 2 } }),
      logger,
    });
    stops.push(() => cloud.close());
    const token = await linkEdge(cloud, site, EDGE);
    await beforeEdge?.(dataDir);
    const edge = await startEdge({
      site: { ...site, devices: site.devices.filter((d) => d.kind !== "shelf") },
      edgeId: EDGE,
      // Anonymous test devices on the loopback.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { mqttUrl: cloud.mqttUrl, token, flushMs: 10, ackTimeoutMs: 500 },
      logger,
      dataDir,
      deadLetterRate: { intervalMs: INTERVAL_MS },
    });
    stops.push(() => edge.close());
    return { cloud, edge, siteId: site.siteId };
  };
  const connect = async (edge: RunningEdge, clientId: string) => {
    const client = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId });
    stops.push(() => client.endAsync());
    return client;
  };
  /** The dead-letter reports in the telemetry store (the ledger hands telemetry off to it). */
  const deadLetterTelemetry = async (cloud: RunningCloud): Promise<RawReading[]> => {
    const now = Date.now();
    const result = await cloud.telemetry.query({
      metric: "dead-letters",
      fromMs: now - 3_600_000,
      toMs: now + 3_600_000,
      window: "raw",
      limit: 100,
    });
    return result.window === "raw" ? result.points : [];
  };
  /** The device's reports, once their counts add up to `total` and a zero has followed them. */
  const reportsOf = (cloud: RunningCloud, deviceId: string, total: number) =>
    eventually(
      async () => (await deadLetterTelemetry(cloud)).filter((t) => t.deviceId === deviceId),
      (t: RawReading[]) => t.reduce((sum, e) => sum + e.value, 0) === total && t.at(-1)?.value === 0,
      { what: `${deviceId}'s ${total} dead letters and then its zero at the cloud` },
    );

  it("reaches the cloud as dead-letters telemetry for the device, then a zero when it stops", async () => {
    const { cloud, edge, siteId } = await start();
    const scanner = await connect(edge, "dlr-scanner");

    // Three malformed scans and one good one (not a dead letter, not counted).
    const topic = deviceTopic(siteId, "scanner-1", "scan");
    await scanner.publishAsync(topic, "not json", { qos: 1 });
    await scanner.publishAsync(topic, JSON.stringify({ gtin: "nope" }), { qos: 1 });
    await scanner.publishAsync(topic, Buffer.from([0xff, 0xfe, 0x00]), { qos: 1 });
    await scanner.publishAsync(
      topic,
      JSON.stringify({ gtin: "00614141000029", action: "RECEIPT", lot: "OK", scannedAt: new Date().toISOString() }),
      { qos: 1 },
    );
    expect(Object.values(edge.metrics().deadLetters).reduce((a, b) => a + b, 0)).toBe(3);

    // The three may straddle a window's end; all of them arrive, and after them a zero clears the device.
    const seen = await reportsOf(cloud, "scanner-1", 3);
    for (const event of seen) {
      expect(event).toMatchObject({ siteId, metric: "dead-letters", unit: "msg/min" });
      // Dated at the end of a window.
      expect(Date.parse(event.at) % INTERVAL_MS).toBe(0);
    }
    const nonZero = seen.filter((t) => t.value > 0);
    expect(nonZero.length).toBeGreaterThanOrEqual(1);
    expect(nonZero.length).toBeLessThanOrEqual(2);
    // One zero, in the window right after the last non-zero one.
    expect(seen.filter((t) => t.value === 0)).toHaveLength(1);
    const lastNonZero = nonZero.at(-1)?.at ?? "";
    expect(Date.parse(seen.at(-1)?.at ?? "")).toBe(Date.parse(lastNonZero) + INTERVAL_MS);
    // Only the device that sent bad messages is reported; the good scan went through.
    expect((await deadLetterTelemetry(cloud)).map((t) => t.deviceId)).toEqual(seen.map(() => "scanner-1"));
    expect((await cloud.store.movements({ sku: "GADGET", limit: 10 })).map((m) => m.lot)).toEqual(["OK"]);
    // The cloud raised DEAD_LETTER_RATE for the device when a window held 3 (over 2), and the zero cleared it.
    const rate = (await cloud.store.alerts({ kind: "DEAD_LETTER_RATE" })).filter((a) => a.deviceId === "scanner-1");
    if (nonZero.some((t) => t.value > 2)) expect(rate).toEqual([expect.objectContaining({ status: "cleared" })]);
    else expect(rate).toEqual([]);
  });

  it("does not count again what a journal replay rejects again", async () => {
    // As if the edge died right after journalling two bad scans: counted (and lost) by the edge that died.
    const { cloud, edge, siteId } = await start(async (dataDir) => {
      const crashed = new SqliteJournal(join(dataDir, "edge", EDGE, "journal.db"));
      for (const bad of ["not json", "{}"]) {
        await crashed.append(deviceTopic("DEMO", "scanner-1", "scan"), Buffer.from(bad), Date.now());
      }
      crashed.close();
    });
    expect(edge.metrics().journalReplayed).toBe(2);

    // A live bad message from another device after the replay: once its report and zero are in, anything
    // the replay had counted (an earlier or the same window) would be in too.
    const sensor = await connect(edge, "dlr-sensor");
    await sensor.publishAsync(deviceTopic(siteId, "temp-c1", "temp"), "{", { qos: 1 });
    await reportsOf(cloud, "temp-c1", 1);
    expect((await deadLetterTelemetry(cloud)).filter((t) => t.deviceId === "scanner-1")).toEqual([]);
  });
});
