import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashSecret, newToken, startCloud } from "@tally/cloud";
import { startEdge } from "@tally/edge";
import { deviceTopic, type Telemetry } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();
// Windows of half a second stand in for minutes, so the test waits on windows ending, not on a clock.
const INTERVAL_MS = 500;

describe("each device's dead-letter rate", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("reaches the cloud as dead-letters telemetry for the device, then a zero when it stops", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-dead-letter-rates-"));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const site = await demoSiteOnPort(await freePort());
    const cloud = await startCloud({
      port: 0,
      dataDir: join(dataDir, "cloud"),
      mqtt: { embedded: { port: 0 } },
      logger,
    });
    stops.push(() => cloud.close());
    await cloud.store.importSite(site);
    const { id, secret, token } = newToken();
    await cloud.store.security.createToken({
      id,
      secretHash: hashSecret(secret),
      name: "edge edge-dlr",
      role: "edge",
      sites: [site.siteId],
      edgeId: "edge-dlr",
      createdBy: "test",
    });
    const edge = await startEdge({
      site: { ...site, devices: site.devices.filter((d) => d.kind !== "shelf") },
      edgeId: "edge-dlr",
      // Anonymous test devices on the loopback.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { mqttUrl: cloud.mqttUrl, token, flushMs: 10, ackTimeoutMs: 500 },
      logger,
      dataDir,
      deadLetterRate: { intervalMs: INTERVAL_MS },
    });
    stops.push(() => edge.close());
    const scanner = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "dlr-scanner" });
    stops.push(() => scanner.endAsync());

    // Three malformed scans and one good one (not a dead letter, not counted).
    const topic = deviceTopic(site.siteId, "scanner-1", "scan");
    await scanner.publishAsync(topic, "not json", { qos: 1 });
    await scanner.publishAsync(topic, JSON.stringify({ gtin: "nope" }), { qos: 1 });
    await scanner.publishAsync(topic, Buffer.from([0xff, 0xfe, 0x00]), { qos: 1 });
    await scanner.publishAsync(
      topic,
      JSON.stringify({ gtin: "00614141000029", action: "RECEIPT", lot: "OK", scannedAt: new Date().toISOString() }),
      { qos: 1 },
    );
    expect(Object.values(edge.metrics().deadLetters).reduce((a, b) => a + b, 0)).toBe(3);

    const scanner1 = (all: Telemetry[]) => all.filter((t) => t.deviceId === "scanner-1");
    // The three may straddle a window's end; all of them arrive, and after them a zero clears the device.
    const seen = await eventually(
      async () => scanner1(await cloud.store.telemetry({ metric: "dead-letters", limit: 100 })),
      (t) => t.reduce((sum, e) => sum + e.value, 0) === 3 && t.at(-1)?.value === 0,
      { what: "scanner-1's dead letters and then its zero at the cloud" },
    );
    for (const event of seen) {
      expect(event).toMatchObject({ kind: "telemetry", siteId: site.siteId, metric: "dead-letters", unit: "msg/min" });
      // Dated at the end of a window.
      expect(Date.parse(event.occurredAt) % INTERVAL_MS).toBe(0);
    }
    const nonZero = seen.filter((t) => t.value > 0);
    expect(nonZero.length).toBeGreaterThanOrEqual(1);
    expect(nonZero.length).toBeLessThanOrEqual(2);
    // One zero, in the window right after the last non-zero one.
    expect(seen.filter((t) => t.value === 0)).toHaveLength(1);
    const lastNonZero = nonZero.at(-1)?.occurredAt ?? "";
    expect(Date.parse(seen.at(-1)?.occurredAt ?? "")).toBe(Date.parse(lastNonZero) + INTERVAL_MS);
    // Only the device that sent bad messages is reported; the good scan went through.
    expect((await cloud.store.telemetry({ metric: "dead-letters", limit: 100 })).map((t) => t.deviceId)).toEqual(
      seen.map(() => "scanner-1"),
    );
    expect((await cloud.store.movements({ sku: "GADGET", limit: 10 })).map((m) => m.lot)).toEqual(["OK"]);
  });
});
