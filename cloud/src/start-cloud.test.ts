import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uplinkBatchTopic } from "@tally/protocols";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type EmbeddedBroker, startAedesBroker } from "./adapters/aedes-broker.js";
import { parseBootstrapTokens } from "./auth/credentials.js";
import { type RunningCloud, startCloud } from "./start-cloud.js";
import { batch, condition, movement, provisionEdge, silentLogger, testSite } from "./testing/fixtures.js";
import { connectEdgeClient } from "./testing/mqtt-client.js";

describe("startCloud", () => {
  let dataDir: string;
  let cloud: RunningCloud | undefined;
  let broker: EmbeddedBroker | undefined;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tally-cloud-start-"));
  });
  afterEach(async () => {
    await cloud?.close();
    await broker?.close();
    cloud = undefined;
    broker = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("runs the API and MQTT ingest on an embedded broker, on free ports, with SQLite under dataDir", async () => {
    cloud = await startCloud({ port: 0, dataDir, mqtt: { embedded: { port: 0 } }, logger: silentLogger() });
    expect(cloud.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cloud.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(cloud.mqttUrl).not.toBe("mqtt://127.0.0.1:0");
    expect(existsSync(join(dataDir, "cloud", "ledger.db"))).toBe(true);
    expect(await (await fetch(`${cloud.url}/healthz`)).json()).toEqual({ status: "ok", store: "sqlite" });

    await cloud.store.importSite(testSite());
    const edge = await connectEdgeClient(cloud.mqttUrl, "S1", "edge-1", await provisionEdge(cloud.store));
    try {
      const b = batch([movement({ sku: "SKU-9", qty: 4 })]);
      await edge.client.publishAsync(uplinkBatchTopic("S1", "edge-1"), JSON.stringify(b), { qos: 1 });
      expect((await edge.nextAck()).committed).toHaveLength(1);
    } finally {
      await edge.close();
    }
    expect(await (await fetch(`${cloud.url}/v1/stock?sku=SKU-9`)).json()).toMatchObject({ totalQty: 4 });
    expect(await cloud.store.stock({ sku: "SKU-9" })).toHaveLength(1);
  });

  it("lets a cycle count correct a difference within countAutoCorrectUnits, and leaves a larger one to a task", async () => {
    cloud = await startCloud({
      port: 0,
      dataDir,
      mqtt: { embedded: { port: 0 } },
      logger: silentLogger(),
      countAutoCorrectUnits: 1,
    });
    await cloud.store.importSite(testSite());
    const edge = await connectEdgeClient(cloud.mqttUrl, "S1", "edge-1", await provisionEdge(cloud.store));
    const count = (value: number, location: string) => ({
      kind: "telemetry",
      id: randomUUID(),
      siteId: "S1",
      occurredAt: "2026-11-22T09:00:00.000Z",
      deviceId: "scanner-1",
      metric: "count:SKU-9",
      value,
      unit: "ea",
      location,
    });
    try {
      const receipts = batch([
        movement({ sku: "SKU-9", qty: 5, to: "S1/A/01" }),
        movement({ sku: "SKU-9", qty: 5, to: "S1/A/02" }),
      ]);
      await edge.client.publishAsync(uplinkBatchTopic("S1", "edge-1"), JSON.stringify(receipts), { qos: 1 });
      await edge.nextAck();
      const counts = batch([count(4, "S1/A/01"), count(2, "S1/A/02")]);
      await edge.client.publishAsync(uplinkBatchTopic("S1", "edge-1"), JSON.stringify(counts), { qos: 1 });
      expect((await edge.nextAck()).committed).toHaveLength(2);
    } finally {
      await edge.close();
    }
    const stock = await cloud.store.stock({ sku: "SKU-9" });
    expect(stock.find((p) => p.location === "S1/A/01")?.qty).toBe(4);
    expect(stock.find((p) => p.location === "S1/A/02")?.qty).toBe(5);
    expect((await cloud.store.movements({ sku: "SKU-9" })).filter((m) => m.movementType === "COUNT")).toHaveLength(1);
    expect(await cloud.store.tasks.list({ status: "open" })).toEqual([
      expect.objectContaining({ taskType: "COUNT_MISMATCH", location: "S1/A/02" }),
    ]);
  });

  it("makes an admin token for itself, takes tokens from the environment, and opens no write to anonymous callers", async () => {
    cloud = await startCloud({
      port: 0,
      dataDir,
      mqtt: { embedded: { port: 0 } },
      logger: silentLogger(),
      bootstrapTokens: parseBootstrapTokens("viewer:viewer-0123456789abcdef"),
    });
    const put = (headers: Record<string, string>) =>
      fetch(`${cloud?.url}/v1/items/SKU-1`, {
        method: "PUT",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ sku: "SKU-1", gtins: [] }),
      });
    expect((await put({})).status).toBe(401);
    expect((await put({ authorization: "Bearer viewer-0123456789abcdef" })).status).toBe(403);
    expect((await put({ authorization: `Bearer ${cloud.adminToken}` })).status).toBe(200);
    expect(await cloud.credentials.authenticate(cloud.adminToken)).toMatchObject({ role: "admin" });
  });

  it("calls onCommitted after a batch's commit and before its ack leaves", async () => {
    const hooked: string[] = [];
    cloud = await startCloud({
      port: 0,
      dataDir,
      mqtt: { embedded: { port: 0 } },
      logger: silentLogger(),
      onCommitted: (ack) => hooked.push(ack.batchId),
    });
    await cloud.store.importSite(testSite());
    const edge = await connectEdgeClient(cloud.mqttUrl, "S1", "edge-1", await provisionEdge(cloud.store));
    try {
      const b = batch([movement({ sku: "SKU-7", qty: 1 })]);
      await edge.client.publishAsync(uplinkBatchTopic("S1", "edge-1"), JSON.stringify(b), { qos: 1 });
      const ack = await edge.nextAck();
      expect(ack.committed).toHaveLength(1);
      expect(hooked).toEqual([b.batchId]);
    } finally {
      await edge.close();
    }
  });

  it("consumes from an external broker given by URL", async () => {
    broker = await startAedesBroker({ port: 0, logger: silentLogger() });
    cloud = await startCloud({ port: 0, dataDir, mqtt: { url: broker.url }, logger: silentLogger() });
    expect(cloud.mqttUrl).toBe(broker.url);
    await cloud.store.importSite(testSite());
    await provisionEdge(cloud.store);
    const edge = await connectEdgeClient(broker.url);
    try {
      await edge.client.publishAsync(uplinkBatchTopic("S1", "edge-1"), JSON.stringify(batch([condition()])), {
        qos: 1,
      });
      expect((await edge.nextAck()).status).toBe("committed");
    } finally {
      await edge.close();
    }
    const { alerts } = (await (await fetch(`${cloud.url}/v1/alerts?status=open`)).json()) as { alerts: unknown[] };
    expect(alerts).toHaveLength(1);
  });

  it("closes promptly with an SSE client still connected, and close is idempotent", async () => {
    cloud = await startCloud({ port: 0, dataDir, mqtt: { embedded: { port: 0 } }, logger: silentLogger() });
    const res = await fetch(`${cloud.url}/v1/alerts/stream`);
    const reader = res.body?.getReader();
    await reader?.read();
    await Promise.all([cloud.close(), cloud.close()]);
    expect((await reader?.read())?.done).toBe(true);
  });

  it("refuses, before opening or binding anything, to listen beyond the loopback without TLS", async () => {
    const start = () =>
      startCloud({
        host: "0.0.0.0",
        port: 0,
        dataDir,
        mqtt: { embedded: { host: "127.0.0.1", port: 0 } },
        logger: silentLogger(),
      });
    await expect(start()).rejects.toMatchObject({
      code: "TALLY_ERR_INSECURE_CONFIG",
      message: expect.stringMatching(/the HTTP API listens on 0\.0\.0\.0 without TLS.*TALLY_HTTP_TLS_CERT/),
    });
    expect(existsSync(join(dataDir, "cloud", "ledger.db"))).toBe(false);
  });

  it("fails to start, cleaning up, when the HTTP port is taken", async () => {
    cloud = await startCloud({ port: 0, dataDir, mqtt: { embedded: { port: 0 } }, logger: silentLogger() });
    const port = Number(new URL(cloud.url).port);
    await expect(
      startCloud({ port, dataDir: join(dataDir, "second"), mqtt: { embedded: { port: 0 } }, logger: silentLogger() }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
