import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashSecret, newToken, type RunningCloud, startCloud } from "@tally/cloud";
import { ackTopic, type EdgeBatch, type Movement, uplinkBatchTopic } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { siteLayout } from "../contract/event-fixtures.js";
import { eventually } from "../support/eventually.js";
import { testLogger } from "../support/quiet-logger.js";

/**
 * Attacks on the cloud's broker from another process on the network: each
 * one committed stock, quarantined a real edge or deleted its outbox before
 * the broker authenticated clients and bound each edge to its own topics.
 */
describe("the cloud's broker refuses what nobody may send", () => {
  let dataDir: string;
  let cloud: RunningCloud;
  let tokens: { edge1: string; edge2: string };
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tally-sec-broker-"));
    cloud = await startCloud({ port: 0, dataDir, mqtt: { embedded: { port: 0 } }, logger: testLogger() });
    await cloud.store.importSite(siteLayout());
    tokens = { edge1: await credential("edge-1"), edge2: await credential("edge-2") };
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.endAsync(true);
    await cloud.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function credential(edgeId: string): Promise<string> {
    const { id, secret, token } = newToken();
    await cloud.store.security.createToken({
      id,
      secretHash: hashSecret(secret),
      name: edgeId,
      role: "edge",
      sites: ["S1"],
      edgeId,
      createdBy: "test",
    });
    return token;
  }

  async function connect(options: mqtt.IClientOptions = {}): Promise<MqttClient> {
    const client = await mqtt.connectAsync(cloud.mqttUrl, { reconnectPeriod: 0, ...options });
    clients.push(client);
    return client;
  }

  function receipt(qty: number, edgeId = "edge-1", seq = 0): EdgeBatch {
    const m: Movement = {
      kind: "movement",
      id: crypto.randomUUID(),
      siteId: "S1",
      occurredAt: new Date().toISOString(),
      movementType: "RECEIPT",
      sku: "SKU-1",
      qty,
      to: "S1/A/01",
      evidence: { deviceId: "portal-1", observationIds: [] },
      confidence: 1,
    };
    return {
      v: 1,
      edgeId,
      siteId: "S1",
      batchId: crypto.randomUUID(),
      seq,
      sentAt: new Date().toISOString(),
      events: [m],
    };
  }

  /** Publishes and waits until the broker answers or drops the connection. */
  async function tryPublish(client: MqttClient, topic: string, payload: string): Promise<"accepted" | "dropped"> {
    return new Promise((resolve) => {
      client.once("close", () => resolve("dropped"));
      client.publish(topic, payload, { qos: 1 }, (error) => resolve(error ? "dropped" : "accepted"));
    });
  }

  it("refuses a client without credentials, or with a made-up password", async () => {
    await expect(connect()).rejects.toThrow(/Bad username or password|Not authorized/);
    await expect(connect({ username: "edge-1", password: "guess" })).rejects.toThrow(/Bad username or password/);
    // A real token under another edge's name is refused too: the name cannot claim another edge.
    await expect(connect({ username: "edge-2", password: tokens.edge1 })).rejects.toThrow(/Bad username or password/);
    expect(await cloud.store.movements()).toEqual([]);
  });

  it("a batch under another edge's id (or one that does not exist) commits nothing, closes the publisher and raises an alert", async () => {
    const edge2 = await connect({ username: "edge-2", password: tokens.edge2 });
    expect(
      await tryPublish(edge2, uplinkBatchTopic("S1", "edge-1"), JSON.stringify(receipt(999_999, "edge-1", 4711))),
    ).toBe("dropped");
    const again = await connect({ username: "edge-2", password: tokens.edge2 });
    expect(await tryPublish(again, uplinkBatchTopic("S1", "ghost"), JSON.stringify(receipt(999_999, "ghost")))).toBe(
      "dropped",
    );
    const alerts = await eventually(
      () => cloud.store.alerts({ status: "open" }),
      (list) => list.some((a) => a.kind === "FORGED_MESSAGE"),
      { what: "a FORGED_MESSAGE alert" },
    );
    expect(alerts.find((a) => a.kind === "FORGED_MESSAGE")?.message).toMatch(
      /edge edge-2 .* may not publish batches as edge (edge-1|ghost)/,
    );
    expect(await cloud.store.movements()).toEqual([]);
    const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
    expect(metrics).toMatch(/tally_cloud_security_refusals_total\{where="broker",refusal="forged-batch"\} 2/);
  });

  it("only the cloud publishes acknowledgements: an edge's forged ack never reaches the edge it names", async () => {
    const victim = await connect({ username: "edge-1", password: tokens.edge1 });
    const heard: string[] = [];
    victim.on("message", (topic) => heard.push(topic));
    await victim.subscribeAsync(ackTopic("S1", "edge-1"), { qos: 1 });
    const forger = await connect({ username: "edge-2", password: tokens.edge2 });
    const forged = {
      v: 1,
      edgeId: "edge-1",
      batchId: crypto.randomUUID(),
      seq: 0,
      status: "committed",
      committed: [],
      duplicates: [],
      rejected: [],
      committedAt: new Date().toISOString(),
    };
    expect(await tryPublish(forger, ackTopic("S1", "edge-1"), JSON.stringify(forged))).toBe("dropped");
    // The real edge's own batch is acknowledged: the only ack it hears.
    const batch = receipt(3);
    await victim.publishAsync(uplinkBatchTopic("S1", "edge-1"), JSON.stringify(batch), { qos: 1 });
    await eventually(
      () => heard.length,
      (n) => n >= 1,
      { what: "the real ack" },
    );
    expect(heard).toEqual([ackTopic("S1", "edge-1")]);
    expect(await cloud.store.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 3 }]);
  });

  it("no wildcard reads: # and $SYS/# and another edge's acks and batches are refused in the SUBACK", async () => {
    const edge2 = await connect({ username: "edge-2", password: tokens.edge2 });
    for (const filter of [
      "#",
      "$SYS/#",
      "tally/v1/+/edge/+/batch",
      ackTopic("S1", "edge-1"),
      "tally/v1/S1/edge/+/ack",
    ]) {
      // mqtt.js rejects a SUBACK that refuses (0x80).
      await expect(edge2.subscribeAsync(filter, { qos: 1 }), filter).rejects.toThrow(/Subscribe error/);
    }
    expect((await edge2.subscribeAsync(ackTopic("S1", "edge-2"), { qos: 1 }))[0]?.qos).toBe(1);
  });

  it("a forged instance id from someone without the edge's credential cannot get the real edge quarantined", async () => {
    const real = await connect({ username: "edge-1", password: tokens.edge1 });
    await real.subscribeAsync(ackTopic("S1", "edge-1"), { qos: 1 });
    const acks: string[] = [];
    real.on("message", (_t, payload) => acks.push(JSON.parse(payload.toString()).status as string));
    await real.publishAsync(
      uplinkBatchTopic("S1", "edge-1"),
      JSON.stringify({ ...receipt(1), instanceId: crypto.randomUUID() }),
      { qos: 1 },
    );
    await eventually(
      () => acks.length,
      (n) => n === 1,
      { what: "first ack" },
    );
    const attacker = await connect({ username: "edge-2", password: tokens.edge2 });
    const forged = { ...receipt(1, "edge-1", 1), instanceId: crypto.randomUUID() };
    expect(await tryPublish(attacker, uplinkBatchTopic("S1", "edge-1"), JSON.stringify(forged))).toBe("dropped");
    await real.publishAsync(uplinkBatchTopic("S1", "edge-1"), JSON.stringify({ ...receipt(1, "edge-1", 2) }), {
      qos: 1,
    });
    await eventually(
      () => acks.length,
      (n) => n === 2,
      { what: "second ack" },
    );
    expect(acks).toEqual(["committed", "committed"]);
    const listed = await fetch(`${cloud.url}/v1/edges`, { headers: { authorization: `Bearer ${cloud.adminToken}` } });
    const edges = (await listed.json()) as { edges: { quarantine?: unknown }[] };
    expect(edges.edges.map((e) => (e as { edgeId?: string }).edgeId)).toEqual(["edge-1"]);
    expect(edges.edges.every((e) => e.quarantine === undefined)).toBe(true);
  });
});
