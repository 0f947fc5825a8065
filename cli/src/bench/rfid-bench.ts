import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_PIPELINE_CONFIG,
  decodeDeviceMessage,
  type EdgePipelineConfig,
  edgePipeline,
  indexSite,
  type Observation,
  type RunningEdge,
  startEdge,
  startEmbeddedBroker,
} from "@tally/edge";
import {
  ackTopic,
  type CommitAck,
  deviceTopic,
  type EdgeEvent,
  encodeSgtin96,
  parseUplinkBatchTopic,
  type SiteLayout,
  UPLINK_BATCH_SUBSCRIPTION,
} from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";
import mqtt, { type MqttClient } from "mqtt";
import { pino } from "pino";
import { bufferTime, filter, Subject } from "rxjs";
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

/**
 * Publishes every payload QoS 0 as fast as the client can write, and resolves
 * when `done()` holds: the wall time, and the process's CPU time (less
 * disturbed by the other work on a shared machine), ms.
 */
async function pump(
  client: MqttClient,
  topic: string,
  messages: Buffer[],
  done: () => boolean,
): Promise<{ ms: number; cpuMs: number }> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (const payload of messages) client.publish(topic, payload, { qos: 0 });
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
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
 * (cross-reads, EPC decoding, movements) falls inside the timed window
 * rather than after it. The per-read work is the same.
 */
export const BENCH_PIPELINE: EdgePipelineConfig = {
  ...DEFAULT_PIPELINE_CONFIG,
  passes: { ...DEFAULT_PIPELINE_CONFIG.passes, silenceMs: 250 },
  crossReads: { ...DEFAULT_PIPELINE_CONFIG.crossReads, holdOffMs: 100 },
};

/** What an edge under test tells the bench. */
interface Counters {
  messages: number;
  observations: number;
  /** When the last observation came, epoch ms (`startEdge` keeps it for its drain watch). */
  lastObservationMs: number;
  events: number;
  rejected: number;
}

/** Where the bench's broker hands device publishes once the device path is attached (`startEdge`'s `onPublish`). */
type PublishHook = { current?: ((topic: string, payload: Buffer) => void) | undefined };

/**
 * The edge's device path wired as `startEdge` wires it on its embedded
 * broker: each publish taken from the broker's `onPublish` hook (no second
 * MQTT hop; the journal is left out here, `fullEdge` has it),
 * `decodeDeviceMessage` per message (a refusal counted), every observation
 * into `edgePipeline`, and the events counted where `startEdge` hands them to
 * its outbox.
 */
function startDevicePath(site: SiteLayout, hook: PublishHook): { counters: Counters; close(): Promise<void> } {
  const index = indexSite(site);
  const counters: Counters = { messages: 0, observations: 0, lastObservationMs: 0, events: 0, rejected: 0 };
  const messages$ = new Subject<{ topic: string; payload: Buffer }>();
  hook.current = (topic, payload) => messages$.next({ topic, payload });
  const observations$ = new Subject<Observation>();
  let n = 0;
  const events = edgePipeline(
    { observations$ },
    index,
    { siteId: site.siteId, newId: () => `bench-${n++}` },
    BENCH_PIPELINE,
  )
    .pipe(
      bufferTime(20),
      filter((batch: EdgeEvent[]) => batch.length > 0),
    )
    .subscribe((batch) => {
      counters.events += batch.length;
    });
  messages$.subscribe(({ topic, payload }) => {
    counters.messages++;
    let decoded: ReturnType<typeof decodeDeviceMessage>;
    try {
      decoded = decodeDeviceMessage(index, topic, payload);
    } catch {
      counters.rejected++;
      return;
    }
    if (!decoded.ok) {
      counters.rejected++;
      return;
    }
    for (const observation of decoded.value) {
      counters.observations++;
      counters.lastObservationMs = Date.now();
      observations$.next(observation);
    }
  });
  return {
    counters,
    close: async () => {
      hook.current = undefined;
      messages$.complete();
      events.unsubscribe();
    },
  };
}

interface Round {
  /** Messages/s to the JSON-only subscriber. */
  baseline: number;
  /** Messages/s until the device path had every read through decoding and pass detection. */
  value: number;
  /** CPU time of the process per message, baseline and device path, µs. */
  baselineCpuUs: number;
  valueCpuUs: number;
  /** After that, how long until the last movement came out of the pipeline, ms. */
  eventsLagMs: number;
  /** Messages/s for the whole edge (`startEdge`: its own broker, durable outbox, uplink to a stand-in cloud). */
  fullEdge: number;
  /** The whole edge's time from its last read to its last movement, ms. */
  fullEdgeEventsLagMs: number;
}

/**
 * One round. On one embedded broker: the baseline, the payloads on a topic
 * the edge does not subscribe to, to a subscriber that only JSON.parses
 * them; then the same payloads on the portal's topic, to the edge's device
 * path. Then the same payloads to a whole edge from `startEdge`.
 */
async function round(site: SiteLayout, payloads: Buffer[], reads: number, tags: number): Promise<Round> {
  const closers: (() => Promise<unknown>)[] = [];
  try {
    // Devices are never held here: there is no outbox to fill.
    const hook: PublishHook = {};
    const broker = await startEmbeddedBroker({
      host: "127.0.0.1",
      port: 0,
      logger,
      holdPublish: () => false,
      // As in `startEdge`: device publishes reach the edge from the broker itself.
      onPublish: async (_clientId, topic, payload) => {
        if (topic.startsWith("tally/")) hook.current?.(topic, payload);
      },
    });
    closers.push(() => broker.close());
    const source = fast(await mqtt.connectAsync(broker.url, { clientId: "bench-portal" }));
    closers.push(() => source.endAsync());

    // Same shape and length as the device topic, outside the edge's subscription.
    const baselineTopic = deviceTopic(site.siteId, "portal-d1", "read").replace(/^tally\//, "bench/");
    const sink = fast(await mqtt.connectAsync(broker.url, { clientId: "bench-sink" }));
    closers.push(() => sink.endAsync());
    let parsed = 0;
    sink.on("message", (_t, payload) => {
      JSON.parse(payload.toString("utf8"));
      parsed++;
    });
    await sink.subscribeAsync(baselineTopic, { qos: 0 });
    const baselineRun = await pump(source, baselineTopic, payloads, () => parsed >= payloads.length);

    const path = startDevicePath(site, hook);
    closers.push(() => path.close());
    const topic = deviceTopic(site.siteId, "portal-d1", "read");
    const { counters } = path;
    const valueRun = await pump(source, topic, payloads, () => counters.observations >= reads);
    const observedAt = performance.now();
    await until(
      () => counters.events >= tags,
      () => `the edge's pipeline made ${counters.events} events for ${tags} tag passes`,
    );
    const eventsLagMs = performance.now() - observedAt;
    if (counters.events !== tags || counters.rejected > 0) {
      throw new Error(`expected ${tags} movements and no refusals, got ${JSON.stringify(counters)}`);
    }
    const full = await fullEdge(site, payloads, reads, tags);
    return {
      baseline: (payloads.length / baselineRun.ms) * 1000,
      value: (payloads.length / valueRun.ms) * 1000,
      baselineCpuUs: (baselineRun.cpuMs * 1000) / payloads.length,
      valueCpuUs: (valueRun.cpuMs * 1000) / payloads.length,
      eventsLagMs,
      fullEdge: (payloads.length / full.ms) * 1000,
      fullEdgeEventsLagMs: full.eventsLagMs,
    };
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

/** The payloads through a whole edge: its broker, decoding, pipelines, durable outbox and uplink. */
async function fullEdge(
  site: SiteLayout,
  payloads: Buffer[],
  reads: number,
  tags: number,
): Promise<{ ms: number; eventsLagMs: number }> {
  const cloudBroker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0, logger });
  const cloud = await ackEverything(cloudBroker.url);
  const dataDir = await mkdtemp(join(tmpdir(), "tally-bench-rfid-"));
  let edge: RunningEdge | undefined;
  let devices: MqttClient | undefined;
  try {
    edge = await startEdge({
      site,
      edgeId: "bench-edge",
      // Anonymous simulated devices on the loopback.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { mqttUrl: cloudBroker.url },
      logger,
      pipeline: BENCH_PIPELINE,
      dataDir,
    });
    const running = edge;
    devices = fast(await mqtt.connectAsync(running.deviceMqttUrl, { clientId: "bench-portal" }));
    const topic = deviceTopic(site.siteId, "portal-d1", "read");
    const { ms } = await pump(devices, topic, payloads, () => running.metrics().observations >= reads);
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
    return { ms, eventsLagMs };
  } finally {
    await devices?.endAsync();
    await edge?.close();
    await cloud.endAsync();
    await cloudBroker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const ROUNDS = 5;

/** The round whose ratio is the median: value, baseline and ratio from one round, so they agree. */
function medianRound(rounds: Round[]): Round {
  const sorted = [...rounds].sort((a, b) => a.value / a.baseline - b.value / b.baseline);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("no rounds");
  return middle;
}

/**
 * Tag reads through the embedded broker, decoding and the whole RFID
 * pipeline in one process, as messages per second, with single-read messages
 * and with 50-read batches; baseline: the same messages through the same
 * broker to a subscriber that only parses JSON, in the same run. Five
 * rounds, each measuring both back to back; the figures are those of the
 * round with the median ratio (the machine is shared and noisy).
 */
export const rfidBench: Benchmark = {
  name: "rfid",
  description: "tag-read messages/s through the edge (broker, decode, RFID pipeline) vs a JSON-only subscriber",
  run: async () => {
    // Portals only: the other devices of the demo site (an OPC-UA shelf among them) are not under test.
    const demo = await readSiteFile(DEMO_SITE_FILE);
    const site = { ...demo, devices: demo.devices.filter((d) => d.kind === "rfid-portal") };
    const results: BenchResult[] = [];
    for (const [name, count, perMessage] of [
      ["rfid-single-read", 50_000, 1],
      ["rfid-50-read-batches", 2_000, 50],
    ] as const) {
      const { payloads, tags } = tagReadPayloads(count, perMessage);
      const rounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) rounds.push(await round(site, payloads, count * perMessage, tags));
      const { value, baseline, fullEdge } = medianRound(rounds);
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
          fullEdge: Math.round(fullEdge),
          fullEdgeRatio: Number((fullEdge / baseline).toFixed(3)),
          rounds: rounds.map((r) => ({
            value: Math.round(r.value),
            baseline: Math.round(r.baseline),
            eventsLagMs: Math.round(r.eventsLagMs),
            cpuUsPerMessage: Number(r.valueCpuUs.toFixed(1)),
            baselineCpuUsPerMessage: Number(r.baselineCpuUs.toFixed(1)),
            fullEdge: Math.round(r.fullEdge),
            fullEdgeEventsLagMs: Math.round(r.fullEdgeEventsLagMs),
          })),
        },
      });
    }
    return results;
  },
};
