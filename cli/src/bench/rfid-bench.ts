import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEdge, startEmbeddedBroker } from "@tally/edge";
import {
  ackTopic,
  type CommitAck,
  deviceTopic,
  EdgeBatch,
  encodeSgtin96,
  parseUplinkBatchTopic,
  type SiteLayout,
  UPLINK_BATCH_SUBSCRIPTION,
} from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";
import mqtt, { type MqttClient } from "mqtt";
import { pino } from "pino";
import type { Benchmark, BenchResult } from "./bench-result.js";

const TAGS = 5000;

/** Nagle off, as the edge's own clients have it, so both sides of the comparison are alike. */
function fast(client: MqttClient): MqttClient {
  (client.stream as { setNoDelay?: (on: boolean) => unknown }).setNoDelay?.(true);
  return client;
}

/** `messages` tag-read payloads of `readsPerMessage` reads each, over TAGS tags passing outer then inner antenna. */
function payloads(messages: number, readsPerMessage: number): Buffer[] {
  const epcs = Array.from({ length: TAGS }, (_, i) => {
    const hex = encodeSgtin96({ gtin: "00614141000012", companyPrefixDigits: 7, serial: 5_000_000 + i });
    if (!hex.ok) throw new Error(hex.error.message);
    return hex.value;
  });
  const t0 = Date.UTC(2026, 10, 22, 8);
  let n = 0;
  return Array.from({ length: messages }, () =>
    Buffer.from(
      JSON.stringify({
        reads: Array.from({ length: readsPerMessage }, () => {
          const i = n++;
          return {
            epc: epcs[i % TAGS],
            antenna: 1 + (Math.floor(i / TAGS) % 2),
            rssi: -50,
            readAt: new Date(t0 + i).toISOString(),
          };
        }),
      }),
    ),
  );
}

/** Publishes every payload QoS 0 as fast as the client can write, and resolves when `done()` holds. */
async function pump(client: MqttClient, topic: string, messages: Buffer[], done: () => boolean): Promise<number> {
  const start = performance.now();
  for (const payload of messages) client.publish(topic, payload, { qos: 0 });
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
  return performance.now() - start;
}

/** Answers every uplink batch with a commit acknowledgement: a stand-in cloud, so only the edge is measured. */
async function ackEverything(url: string): Promise<MqttClient> {
  const cloud = await mqtt.connectAsync(url, { clientId: "bench-cloud" });
  cloud.on("message", (topic, payload) => {
    const where = parseUplinkBatchTopic(topic);
    const batch = EdgeBatch.safeParse(JSON.parse(payload.toString("utf8")));
    if (where === undefined || !batch.success) return;
    const ack: CommitAck = {
      v: 1,
      edgeId: batch.data.edgeId,
      batchId: batch.data.batchId,
      seq: batch.data.seq,
      status: "committed",
      committed: batch.data.events.map((e) => (e as { id: string }).id),
      duplicates: [],
      rejected: [],
      committedAt: new Date().toISOString(),
    };
    cloud.publish(ackTopic(where.siteId, where.edgeId), JSON.stringify(ack), { qos: 1 });
  });
  await cloud.subscribeAsync(UPLINK_BATCH_SUBSCRIPTION, { qos: 1 });
  return cloud;
}

const logger = pino({ level: "silent" });

/** Baseline: the same messages through the same kind of broker to a subscriber that only parses JSON; messages/s. */
async function measureBaseline(site: SiteLayout, messages: Buffer[]): Promise<number> {
  const topic = deviceTopic(site.siteId, "portal-d1", "read");
  const total = messages.length;
  const baseBroker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0, logger });
  const sink = fast(await mqtt.connectAsync(baseBroker.url, { clientId: "bench-sink" }));
  let parsed = 0;
  sink.on("message", (_t, payload) => {
    JSON.parse(payload.toString("utf8"));
    parsed++;
  });
  await sink.subscribeAsync(topic, { qos: 0 });
  const source = fast(await mqtt.connectAsync(baseBroker.url, { clientId: "bench-source" }));
  const baselineMs = await pump(source, topic, messages, () => parsed >= total);
  await source.endAsync();
  await sink.endAsync();
  await baseBroker.close();
  return (total / baselineMs) * 1000;
}

/** The edge, with its embedded broker, decoding, RFID pipeline, durable outbox and uplink; messages/s. */
async function measureEdge(site: SiteLayout, messages: Buffer[], readsPerMessage: number): Promise<number> {
  const topic = deviceTopic(site.siteId, "portal-d1", "read");
  const total = messages.length;
  const cloudBroker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0, logger });
  const cloud = await ackEverything(cloudBroker.url);
  const dataDir = await mkdtemp(join(tmpdir(), "tally-bench-rfid-"));
  const edge = await startEdge({
    site: { ...site, devices: site.devices.filter((d) => d.kind === "rfid-portal") },
    edgeId: "bench-edge",
    devices: { embedded: { port: 0 } },
    uplink: { mqttUrl: cloudBroker.url },
    logger,
    dataDir,
  });
  const devices = fast(await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "bench-portal" }));
  const valueMs = await pump(devices, topic, messages, () => edge.metrics().observations >= total * readsPerMessage);
  await devices.endAsync();
  await edge.drained();
  await edge.close();
  await cloud.endAsync();
  await cloudBroker.close();
  await rm(dataDir, { recursive: true, force: true });
  return (total / valueMs) * 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Three rounds, baseline and edge alternating so that both see the same machine; the median of each. */
async function measure(
  site: SiteLayout,
  messages: Buffer[],
  readsPerMessage: number,
): Promise<{ value: number; baseline: number }> {
  const values: number[] = [];
  const baselines: number[] = [];
  for (let round = 0; round < 3; round++) {
    baselines.push(await measureBaseline(site, messages));
    values.push(await measureEdge(site, messages, readsPerMessage));
  }
  return { value: median(values), baseline: median(baselines) };
}

/**
 * Tag reads through the embedded broker, decoding and the whole RFID
 * pipeline in one process, as messages per second, with single-read messages
 * and with 50-read batches; baseline: the same messages through the same
 * broker to a subscriber that only parses JSON, in the same run (three
 * alternating rounds, medians: the machine is shared and noisy).
 */
export const rfidBench: Benchmark = {
  name: "rfid",
  description: "tag-read messages/s through the edge (broker, decode, RFID pipeline) vs a JSON-only subscriber",
  run: async () => {
    const site = await readSiteFile(DEMO_SITE_FILE);
    const results: BenchResult[] = [];
    for (const [name, count, reads] of [
      ["rfid-single-read", 50_000, 1],
      ["rfid-50-read-batches", 2_000, 50],
    ] as const) {
      const { value, baseline } = await measure(site, payloads(count, reads), reads);
      results.push({
        name,
        unit: "messages/s",
        value: Math.round(value),
        baseline: Math.round(baseline),
        ratio: Number((value / baseline).toFixed(3)),
        details: { messages: count, readsPerMessage: reads, readsPerSecond: Math.round(value * reads) },
      });
    }
    return results;
  },
};
