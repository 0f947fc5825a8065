import { randomUUID } from "node:crypto";
import { ErrorCode, uplinkBatchTopic } from "@tally/protocols";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertHub } from "../alerts/alert-hub.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { batch, everyLocationKnown, movement, silentLogger, tempStore } from "../testing/fixtures.js";
import { connectEdgeClient } from "../testing/mqtt-client.js";
import { type EmbeddedBroker, startAedesBroker } from "./aedes-broker.js";
import { type MqttIngest, startMqttIngest } from "./mqtt-ingest.js";

const TOPIC = uplinkBatchTopic("S1", "edge-1");

describe("MQTT ingest against the embedded aedes broker", () => {
  let broker: EmbeddedBroker;
  let store: LedgerStore;
  let dispose: () => Promise<void>;
  let ingest: MqttIngest | undefined;
  let edge: Awaited<ReturnType<typeof connectEdgeClient>>;
  beforeEach(async () => {
    broker = await startAedesBroker({ port: 0, logger: silentLogger() });
    ({ store, dispose } = await tempStore());
    edge = await connectEdgeClient(broker.url);
  });
  afterEach(async () => {
    await edge.close();
    await ingest?.close();
    ingest = undefined;
    await broker.close();
    await dispose();
  });

  const start = async (ledger: LedgerStore = store) => {
    ingest = await startMqttIngest({
      url: broker.url,
      store: ledger,
      alerts: new AlertHub(),
      logger: silentLogger(),
      siteFacts: everyLocationKnown,
    });
    return ingest;
  };

  it("listens on a free port and reports it", () => {
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
  });

  it("commits a published batch and publishes the CommitAck after the commit", async () => {
    const running = await start();
    const m = movement();
    const b = batch([m], { seq: 3 });
    await edge.client.publishAsync(TOPIC, JSON.stringify(b), { qos: 1 });
    const ack = await edge.nextAck();
    expect(ack).toMatchObject({ batchId: b.batchId, seq: 3, status: "committed", committed: [m.id] });
    expect(await store.movements()).toEqual([m]);
    await edge.client.publishAsync(TOPIC, JSON.stringify(b), { qos: 1 });
    expect((await edge.nextAck()).duplicates).toEqual([m.id]);
    expect(running.stats).toMatchObject({ received: 2, acked: 2, garbled: 0 });
  });

  it("drops garbled messages with a count and keeps consuming", async () => {
    const running = await start();
    await edge.client.publishAsync(TOPIC, "{not json", { qos: 1 });
    await edge.client.publishAsync(TOPIC, JSON.stringify({ v: 1, events: [] }), { qos: 1 });
    await edge.client.publishAsync(TOPIC, Buffer.from([0xff, 0xfe, 0x00]), { qos: 1 });
    const b = batch([movement()]);
    await edge.client.publishAsync(TOPIC, JSON.stringify(b), { qos: 1 });
    expect((await edge.nextAck()).batchId).toBe(b.batchId);
    expect(running.stats).toMatchObject({ received: 4, garbled: 3, acked: 1 });
  });

  it("refuses a batch whose envelope names another edge than its topic", async () => {
    const running = await start();
    const b = batch([movement()], { edgeId: "edge-2" });
    await edge.client.publishAsync(TOPIC, JSON.stringify(b), { qos: 1 });
    const ack = await edge.nextAck();
    expect(ack.status).toBe("rejected");
    expect(ack.rejected).toEqual([expect.objectContaining({ index: 0, code: ErrorCode.SiteMismatch })]);
    expect(await store.movements()).toEqual([]);
    expect(running.stats.rejected).toBe(1);
  });

  it("sends no ack when the commit fails, and goes on with the next batch", async () => {
    let failNext = true;
    const commit: LedgerStore["commit"] = (meta, events) => {
      if (!failNext) return store.commit(meta, events);
      failNext = false;
      return Promise.reject(new Error("database down"));
    };
    // Every other method goes to the real store, bound to it (its fields are private).
    const flaky = new Proxy(store, {
      get: (target, prop) => {
        if (prop === "commit") return commit;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const running = await start(flaky);
    const lost = batch([movement()]);
    const next = batch([movement()]);
    await edge.client.publishAsync(TOPIC, JSON.stringify(lost), { qos: 1 });
    await edge.client.publishAsync(TOPIC, JSON.stringify(next), { qos: 1 });
    // Batches are handled in order: the first ack to arrive is the second batch's.
    expect((await edge.nextAck()).batchId).toBe(next.batchId);
    expect(running.stats).toMatchObject({ received: 2, acked: 1, commitFailures: 1 });
  });

  it("holds a batch published before the one it names as after, keeps consuming, and commits it second", async () => {
    const commits: number[] = [];
    const recording = new Proxy(store, {
      get: (target, prop) => {
        if (prop === "commit")
          return ((meta, events) => {
            commits.push(meta.seq);
            return store.commit(meta, events);
          }) satisfies LedgerStore["commit"];
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const running = await start(recording);
    const instanceId = randomUUID();
    const receipt = movement({ movementType: "RECEIPT", qty: 5, to: "S1/A/01" });
    const pick = movement({ movementType: "PICK", qty: 2, from: "S1/A/01", to: undefined });
    const second = batch([pick], { seq: 11, after: 10, instanceId });
    const first = batch([receipt], { seq: 10, instanceId });
    // The later batch first: it waits for the earlier one, which the broker delivers behind it.
    await edge.client.publishAsync(TOPIC, JSON.stringify(second), { qos: 1 });
    await edge.client.publishAsync(TOPIC, JSON.stringify(first), { qos: 1 });
    const acks = [await edge.nextAck(), await edge.nextAck()];
    expect(acks.map((a) => [a.seq, a.status])).toEqual([
      [10, "committed"],
      [11, "committed"],
    ]);
    expect(commits).toEqual([10, 11]);
    expect((await store.movements()).map((m) => m.movementType)).toEqual(["RECEIPT", "PICK"]);
    expect(running.stats).toMatchObject({ received: 2, acked: 2, orderExpired: 0 });
  });
});
