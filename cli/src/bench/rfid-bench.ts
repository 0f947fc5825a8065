import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_PIPELINE_CONFIG, type RunningEdge, startEdge, startEmbeddedBroker } from "@tally/edge";
import {
  ackTopic,
  type CommitAck,
  deviceTopic,
  encodeSgtin96,
  parseUplinkBatchTopic,
  type SiteLayout,
  UPLINK_BATCH_SUBSCRIPTION,
} from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";
import mqtt, { type MqttClient } from "mqtt";
import { pino } from "pino";
import type { Benchmark, BenchResult } from "./bench-result.js";

/** Tags in the portal's field at once (cartons on one pallet), each read READS_PER_PASS times. */
const TAGS_IN_FIELD = 25;
/** Reads of each tag in its pass: the first half on the outer antenna, the second on the inner one. */
const READS_PER_PASS = 10;
/** Device time between two reads, ms: a pallet's 250 reads span 0.5 s, so its antennas' order is clear. */
const READ_EVERY_MS = 2;
/** How long the edge may take to turn the last passes into movements after the last read, ms. */
const EVENTS_DEADLINE_MS = 30_000;

/** Nagle off, as the edge's own clients have it, so both sides of the comparison are alike. */
function fast(client: MqttClient): MqttClient {
  (client.stream as { setNoDelay?: (on: boolean) => unknown }).setNoDelay?.(true);
  return client;
}

/**
 * `messages` tag-read payloads of `readsPerMessage` reads each: pallets of
 * TAGS_IN_FIELD new SGTIN-96 tags going in through the door, each tag read
 * READS_PER_PASS times (outer antenna first, then inner, interleaved with the
 * other tags in the field). Every tag is one inbound pass, so one RECEIPT.
 */
export function tagReadPayloads(messages: number, readsPerMessage: number): { payloads: Buffer[]; tags: number } {
  const total = messages * readsPerMessage;
  const perPallet = TAGS_IN_FIELD * READS_PER_PASS;
  if (total % perPallet !== 0) throw new Error(`reads (${total}) must be a multiple of ${perPallet}`);
  const t0 = Date.UTC(2026, 10, 22, 8);
  const reads: { epc: string; antenna: number; rssi: number; readAt: string }[] = [];
  for (let pallet = 0; reads.length < total; pallet++) {
    const epcs = Array.from({ length: TAGS_IN_FIELD }, (_, k) => {
      const hex = encodeSgtin96({
        gtin: "00614141000012",
        companyPrefixDigits: 7,
        serial: 5_000_000 + pallet * TAGS_IN_FIELD + k,
      });
      if (!hex.ok) throw new Error(hex.error.message);
      return hex.value;
    });
    for (let r = 0; r < READS_PER_PASS; r++) {
      for (const [k, epc] of epcs.entries()) {
        reads.push({
          epc,
          antenna: r < READS_PER_PASS / 2 ? 1 : 2,
          rssi: -48 - ((k + r) % 20),
          readAt: new Date(t0 + reads.length * READ_EVERY_MS).toISOString(),
        });
      }
    }
  }
  const payloads = Array.from({ length: messages }, (_, m) =>
    Buffer.from(JSON.stringify({ reads: reads.slice(m * readsPerMessage, (m + 1) * readsPerMessage) })),
  );
  return { payloads, tags: total / READS_PER_PASS };
}

/** Publishes every payload QoS 0 as fast as the client can write, and resolves when `done()` holds; ms. */
async function pump(client: MqttClient, topic: string, messages: Buffer[], done: () => boolean): Promise<number> {
  const start = performance.now();
  for (const payload of messages) client.publish(topic, payload, { qos: 0 });
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
  return performance.now() - start;
}

/** Waits until `done()` holds, or fails with `what` after EVENTS_DEADLINE_MS. */
async function until(done: () => boolean, what: () => string): Promise<void> {
  const deadline = performance.now() + EVENTS_DEADLINE_MS;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(what());
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Answers every uplink batch with a commit acknowledgement: a stand-in cloud
 * that only reads the event ids, so as little as possible but the edge is measured.
 */
async function ackEverything(url: string): Promise<MqttClient> {
  const cloud = await mqtt.connectAsync(url, { clientId: "bench-cloud" });
  cloud.on("message", (topic, payload) => {
    const where = parseUplinkBatchTopic(topic);
    if (where === undefined) return;
    const batch = JSON.parse(payload.toString("utf8")) as {
      edgeId: string;
      batchId: string;
      seq: number;
      events: { id: string }[];
    };
    const ack: CommitAck = {
      v: 1,
      edgeId: batch.edgeId,
      batchId: batch.batchId,
      seq: batch.seq,
      status: "committed",
      committed: batch.events.map((e) => e.id),
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

/**
 * The bench's pipeline timings: a pass closes 250 ms after its tag's last
 * read and is held 100 ms for cross-reads (production: 1 s and 0.5 s), so
 * that passes close all through a run of a few seconds and their work
 * (cross-reads, EPC decoding, movements, outbox, uplink) falls inside the
 * timed window rather than after it. The per-read work is the same.
 */
export const BENCH_PIPELINE = {
  passes: { ...DEFAULT_PIPELINE_CONFIG.passes, silenceMs: 250 },
  crossReads: { ...DEFAULT_PIPELINE_CONFIG.crossReads, holdOffMs: 100 },
};

interface Round {
  /** Messages/s to the JSON-only subscriber. */
  baseline: number;
  /** Messages/s until the edge had every read through decoding and pass detection. */
  value: number;
  /** How long after that the last of the movements was queued, ms. */
  eventsLagMs: number;
}

/**
 * One round on one edge (its embedded broker, decoding, every pipeline, a
 * durable SQLite outbox and the MQTT uplink to a stand-in cloud): first the
 * baseline, the same payloads through the edge's own broker, on a topic the
 * edge does not subscribe to, to a subscriber that only JSON.parses them;
 * then the same payloads on the portal's topic, to the edge.
 */
async function round(site: SiteLayout, payloads: Buffer[], reads: number, tags: number): Promise<Round> {
  const cloudBroker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0, logger });
  const cloud = await ackEverything(cloudBroker.url);
  let edge: RunningEdge | undefined;
  const clients: MqttClient[] = [];
  const dataDir = await mkdtemp(join(tmpdir(), "tally-bench-rfid-"));
  try {
    edge = await startEdge({
      site: { ...site, devices: site.devices.filter((d) => d.kind === "rfid-portal") },
      edgeId: "bench-edge",
      devices: { embedded: { port: 0 } },
      uplink: { mqttUrl: cloudBroker.url },
      logger,
      pipeline: BENCH_PIPELINE,
      dataDir,
    });
    const running = edge;
    const url = running.deviceMqttUrl;

    // Same shape and length as the device topic, outside the edge's subscription.
    const baselineTopic = deviceTopic(site.siteId, "portal-d1", "read").replace(/^tally\//, "bench/");
    const sink = fast(await mqtt.connectAsync(url, { clientId: "bench-sink" }));
    clients.push(sink);
    let parsed = 0;
    sink.on("message", (_t, payload) => {
      JSON.parse(payload.toString("utf8"));
      parsed++;
    });
    await sink.subscribeAsync(baselineTopic, { qos: 0 });
    const source = fast(await mqtt.connectAsync(url, { clientId: "bench-portal" }));
    clients.push(source);
    const baselineMs = await pump(source, baselineTopic, payloads, () => parsed >= payloads.length);

    const topic = deviceTopic(site.siteId, "portal-d1", "read");
    const valueMs = await pump(source, topic, payloads, () => running.metrics().observations >= reads);
    const observedAt = performance.now();
    await until(
      () => running.metrics().eventsQueued >= tags,
      () => `the edge queued ${running.metrics().eventsQueued} events for ${tags} tag passes`,
    );
    const eventsLagMs = performance.now() - observedAt;
    const m = running.metrics();
    if (m.eventsQueued !== tags || Object.keys(m.deadLetters).length > 0) {
      throw new Error(`expected ${tags} movements and no dead letters, got ${JSON.stringify(m)}`);
    }
    return {
      baseline: (payloads.length / baselineMs) * 1000,
      value: (payloads.length / valueMs) * 1000,
      eventsLagMs,
    };
  } finally {
    for (const client of clients) await client.endAsync();
    await edge?.close();
    await cloud.endAsync();
    await cloudBroker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Tag reads through the embedded broker, decoding and the whole RFID
 * pipeline in one process, as messages per second, with single-read messages
 * and with 50-read batches; baseline: the same messages through the same
 * broker to a subscriber that only parses JSON, in the same run (three
 * rounds, medians: the machine is shared and noisy).
 */
export const rfidBench: Benchmark = {
  name: "rfid",
  description: "tag-read messages/s through the edge (broker, decode, RFID pipeline) vs a JSON-only subscriber",
  run: async () => {
    const site = await readSiteFile(DEMO_SITE_FILE);
    const results: BenchResult[] = [];
    for (const [name, count, perMessage] of [
      ["rfid-single-read", 50_000, 1],
      ["rfid-50-read-batches", 2_000, 50],
    ] as const) {
      const { payloads, tags } = tagReadPayloads(count, perMessage);
      const rounds: Round[] = [];
      for (let i = 0; i < 3; i++) rounds.push(await round(site, payloads, count * perMessage, tags));
      const value = median(rounds.map((r) => r.value));
      const baseline = median(rounds.map((r) => r.baseline));
      results.push({
        name,
        unit: "messages/s",
        value: Math.round(value),
        baseline: Math.round(baseline),
        ratio: Number((value / baseline).toFixed(3)),
        details: {
          messages: count,
          readsPerMessage: perMessage,
          readsPerSecond: Math.round(value * perMessage),
          movements: tags,
          rounds: rounds.map((r) => ({
            value: Math.round(r.value),
            baseline: Math.round(r.baseline),
            eventsLagMs: Math.round(r.eventsLagMs),
          })),
        },
      });
    }
    return results;
  },
};
