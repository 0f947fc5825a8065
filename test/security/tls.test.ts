import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startCloud } from "@tally/cloud";
import { type RunningEdge, startEdge } from "@tally/edge";
import { deviceTopic } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { makeTestPki, type TestPki } from "../support/certificates.js";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { linkEdge } from "../support/link-edge.js";
import { testLogger } from "../support/quiet-logger.js";

/** GET over HTTPS trusting only `ca`; resolves with the status, rejects when the certificate is not trusted. */
function httpsGet(url: string, ca?: Buffer | string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...(ca !== undefined && { ca }) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("TLS on the cloud's API and broker, and MQTT over TLS from edge to cloud", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function pki(): Promise<{ dir: string; pki: TestPki }> {
    const dir = await mkdtemp(join(tmpdir(), "tally-tls-"));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    return { dir, pki: await makeTestPki(dir) };
  }

  it("serves the API over HTTPS, which a client trusting the CA reaches and one that does not refuses", async () => {
    const { dir, pki: certs } = await pki();
    const cloud: RunningCloud = await startCloud({
      port: 0,
      dataDir: dir,
      mqtt: { embedded: { port: 0 } },
      httpTls: { certFile: certs.serverCert, keyFile: certs.serverKey },
      logger: testLogger(),
    });
    stops.push(() => cloud.close());
    expect(cloud.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { readFile } = await import("node:fs/promises");
    expect(await httpsGet(`${cloud.url}/healthz`, await readFile(certs.caCert))).toBe(200);
    await expect(httpsGet(`${cloud.url}/healthz`)).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it("an edge sends over mqtts:// to the cloud's TLS broker, trusting the CA it is given", async () => {
    const { dir, pki: certs } = await pki();
    const cloud: RunningCloud = await startCloud({
      port: 0,
      dataDir: join(dir, "cloud"),
      mqtt: { embedded: { port: 0 } },
      brokerTls: { certFile: certs.serverCert, keyFile: certs.serverKey },
      logger: testLogger(),
    });
    stops.push(() => cloud.close());
    expect(cloud.mqttUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const demo = await demoSiteOnPort(await freePort());
    const site = { ...demo, devices: demo.devices.filter((d) => d.kind !== "shelf") };
    const token = await linkEdge(cloud, site, "edge-tls");
    const edge: RunningEdge = await startEdge({
      site,
      edgeId: "edge-tls",
      devices: { embedded: { port: 0 } },
      uplink: { mqttUrl: cloud.mqttUrl, token, caFile: certs.caCert, flushMs: 10 },
      logger: testLogger(),
      mode: "development",
    });
    stops.push(() => edge.close());
    const scanner = await mqtt.connectAsync(edge.deviceMqttUrl, { reconnectPeriod: 0 });
    stops.push(() => scanner.endAsync(true));
    const scan = { gtin: "00614141000029", action: "RECEIPT", lot: "TLS1", scannedAt: new Date().toISOString() };
    await scanner.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), JSON.stringify(scan), { qos: 1 });
    await eventually(
      () => cloud.store.movements({ sku: "GADGET" }),
      (m) => m.some((x) => x.lot === "TLS1"),
      { what: "the scan committed over TLS" },
    );
    // A client that does not trust the CA gets no connection at all.
    await expect(
      mqtt.connectAsync(cloud.mqttUrl, { reconnectPeriod: 0, username: "edge-tls", password: token }),
    ).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });
});
