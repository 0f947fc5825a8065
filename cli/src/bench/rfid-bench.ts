import {
  DEFAULT_PIPELINE_CONFIG,
  decodeDeviceMessage,
  type EdgePipelineConfig,
  edgePipeline,
  indexSite,
  type Observation,
} from "@tally/edge";
import { deviceTopic, type EdgeEvent, encodeSgtin96, type SiteLayout } from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";
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

/** Where the bench hands payloads, as the embedded broker's `onPublish` hook hands them in `startEdge`. */
type PublishHook = { current?: ((topic: string, payload: Buffer) => void) | undefined };

/**
 * The edge's decoding and pipeline wired as `startEdge` wires them behind its
 * embedded broker, without the broker, the journal and the outbox:
 * `decodeDeviceMessage` per message with its receive time (a refusal counted), every observation
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
      // Stamped with its receive time as `startEdge` stamps it: reader clocks are checked on every read.
      decoded = decodeDeviceMessage(index, topic, payload, Date.now());
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
  /** Messages/s until the device path had every read through decoding and pass detection. */
  value: number;
  /** CPU time of the process per message, µs. */
  cpuUs: number;
  /** After that, how long until the last movement came out of the pipeline, ms. */
  eventsLagMs: number;
}

/** Waits until `done()` holds, or fails with `what` after EVENTS_DEADLINE_MS. */
async function until(done: () => boolean, what: () => string): Promise<void> {
  const deadline = performance.now() + EVENTS_DEADLINE_MS;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(what());
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** One round: every payload handed to the device path as the broker's publish hook hands it, then the wait for the movements. */
async function round(site: SiteLayout, payloads: Buffer[], reads: number, tags: number): Promise<Round> {
  const hook: PublishHook = {};
  const path = startDevicePath(site, hook);
  try {
    const topic = deviceTopic(site.siteId, "portal-d1", "read");
    const { counters } = path;
    const start = performance.now();
    const cpu = process.cpuUsage();
    for (const payload of payloads) hook.current?.(topic, payload);
    await until(
      () => counters.observations >= reads,
      () => `the device path decoded ${counters.observations} of ${reads} reads`,
    );
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - start;
    const observedAt = performance.now();
    await until(
      () => counters.events >= tags,
      () => `the edge's pipeline made ${counters.events} events for ${tags} tag passes`,
    );
    const eventsLagMs = performance.now() - observedAt;
    if (counters.events !== tags || counters.rejected > 0) {
      throw new Error(`expected ${tags} movements and no refusals, got ${JSON.stringify(counters)}`);
    }
    return {
      value: (payloads.length / ms) * 1000,
      cpuUs: (used.user + used.system) / payloads.length,
      eventsLagMs,
    };
  } finally {
    await path.close();
  }
}

const ROUNDS = 5;

/** The round with the median rate. */
function medianRound(rounds: Round[]): Round {
  const sorted = [...rounds].sort((a, b) => a.value - b.value);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("no rounds");
  return middle;
}

/**
 * A component figure, not a device path: tag-read payloads handed straight
 * to the edge's decoding and RFID pipeline in one process (no broker, no
 * journal, no outbox, no cloud) with shortened pass timers, as messages per
 * second, single reads and 50-read batches. It has no baseline and no ratio
 * on purpose: a broker path's figure beside it would compare unlike work.
 * What devices get end to end is `tally bench e2e`. Five rounds; the
 * figures are the median round's.
 */
export const rfidBench: Benchmark = {
  name: "rfid-pipeline",
  description:
    "component figure: tag-read messages/s through the edge's decoding and RFID pipeline alone, in one process (no broker, journal, outbox or cloud; see e2e)",
  run: async () => {
    // Portals only: the other devices of the demo site (an OPC-UA shelf among them) are not under test.
    const demo = await readSiteFile(DEMO_SITE_FILE);
    const site = { ...demo, devices: demo.devices.filter((d) => d.kind === "rfid-portal") };
    const results: BenchResult[] = [];
    for (const [name, count, perMessage] of [
      ["rfid-pipeline-component-single-read", 50_000, 1],
      ["rfid-pipeline-component-50-read-batches", 2_000, 50],
    ] as const) {
      const { payloads, tags } = tagReadPayloads(count, perMessage);
      const rounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) rounds.push(await round(site, payloads, count * perMessage, tags));
      const { value } = medianRound(rounds);
      results.push({
        name,
        unit: "messages/s",
        value: Math.round(value),
        details: {
          component: "decodeDeviceMessage + edgePipeline, one process, shortened pass timers",
          messages: count,
          readsPerMessage: perMessage,
          readsPerSecond: Math.round(value * perMessage),
          movements: tags,
          rounds: rounds.map((r) => ({
            value: Math.round(r.value),
            eventsLagMs: Math.round(r.eventsLagMs),
            cpuUsPerMessage: Number(r.cpuUs.toFixed(1)),
          })),
        },
      });
    }
    return results;
  },
};
