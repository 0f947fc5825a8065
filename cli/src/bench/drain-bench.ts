import { issueToken, type RunningCloud } from "@tally/cloud";
import { startEdge } from "@tally/edge";
import { deviceTopic } from "@tally/protocols";
import { startTcpProxy } from "@tally/simulators";
import mqtt from "mqtt";
import { pino } from "pino";
import type { Benchmark, BenchResult } from "./bench-result.js";
import { withBaseline } from "./bench-result.js";
import { demoSiteWithoutShelves } from "./demo-site-without-shelves.js";
import { startCloudInTempDir } from "./temp-cloud.js";

/** Scans a second the site makes while live: a busy site's scanners, each one a movement. */
const LIVE_RATE = 1000;
const WARMUP_MS = 2000;
const OUTAGE_MS = 15_000;
/** Publishing ticks: LIVE_RATE / (1000 / TICK_MS) scans each. */
const TICK_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The edge's credential at the cloud, as an operator would issue it: the token its uplink sends. */
async function provisionEdge(cloud: RunningCloud, siteId: string, edgeId: string): Promise<string> {
  const issued = await issueToken(cloud.store.security, {
    name: `edge ${edgeId}`,
    role: "edge",
    sites: [siteId],
    edgeId,
    createdBy: "bench",
  });
  if (!issued.ok) throw new Error(issued.reason);
  return issued.text;
}

/** The uplink shapes measured, each in its own edge and cloud: the default window and one at a time, on the
 * loopback and behind a 50 ms and a 200 ms round trip (half each way at the proxy). */
const VARIANTS = [
  { name: "drain", window: 4, rttMs: 0 },
  { name: "drain-window-1", window: 1, rttMs: 0 },
  { name: "drain-rtt-50ms", window: 4, rttMs: 50 },
  { name: "drain-rtt-50ms-window-1", window: 1, rttMs: 50 },
  { name: "drain-rtt-200ms", window: 4, rttMs: 200 },
  { name: "drain-rtt-200ms-window-1", window: 1, rttMs: 200 },
] as const;

/**
 * Store-and-forward after an outage: devices publish scans at a steady live
 * rate to a durable edge (journal and outbox on disk) whose HTTP uplink goes
 * through a TCP proxy to the cloud (SQLite). The proxy cuts the uplink for
 * 15 s while the site goes on; then it is restored, and the backlog is timed
 * from the first acknowledgement after the restore until the outbox is back
 * to its live level, with the site still publishing. `value` is events
 * committed per second while draining, `baseline` the live rate the devices
 * achieved, and `ratio` how many times faster than live the backlog drains.
 * Run once per uplink shape (`VARIANTS`): the window of batches in flight,
 * and a round trip added at the proxy.
 */
export const drainBench: Benchmark = {
  name: "drain",
  description:
    "edge backlog drain rate after a 15 s uplink outage, against the live rate (target ratio ≥ 5); window 4 and 1, with no, a 50 ms and a 200 ms round trip",
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    for (const variant of VARIANTS) results.push(await runDrain(variant));
    return results;
  },
};

async function runDrain(variant: (typeof VARIANTS)[number]): Promise<BenchResult> {
  const logger = pino({ level: "silent" });
  const site = await demoSiteWithoutShelves();
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const { cloud, dataDir, close } = await startCloudInTempDir("tally-bench-drain-", logger);
    stops.push(close);
    // The real path: ingest checks events against the site's imported layout, and knows the edge by its credential.
    await cloud.store.importSite(site);
    const token = await provisionEdge(cloud, site.siteId, "bench-drain");
    const target = new URL(cloud.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    stops.push(() => proxy.close());
    proxy.latency(variant.rttMs / 2);
    const edge = await startEdge({
      site,
      edgeId: "bench-drain",
      // Anonymous simulated devices on the loopback.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: {
        httpUrl: `http://${proxy.host}:${proxy.port}`,
        token,
        maxBatch: 500,
        flushMs: 20,
        window: variant.window,
        maxAckTimeoutMs: 500,
      },
      logger,
      dataDir,
    });
    stops.push(() => edge.close());
    const device = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "bench-scanner" });
    stops.push(() => device.endAsync());

    let published = 0;
    let publishing = true;
    const perTick = (LIVE_RATE * TICK_MS) / 1000;
    const startedMs = Date.now();
    const site$ = (async () => {
      for (let tick = 0; publishing; tick++) {
        const sends: Promise<unknown>[] = [];
        for (let i = 0; i < perTick; i++) {
          const body = JSON.stringify({
            gtin: "00614141000029",
            action: "RECEIPT",
            lot: `D${published}`,
            scannedAt: new Date().toISOString(),
          });
          published++;
          sends.push(device.publishAsync(deviceTopic(site.siteId, "scanner-1", "scan"), body, { qos: 1 }));
        }
        await Promise.all(sends);
        // Paced on the wall clock, so a slow tick is made up for.
        const due = startedMs + (tick + 1) * TICK_MS;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
    })();

    await sleep(WARMUP_MS);
    const liveDepth = edge.metrics().outboxDepth;
    proxy.cut();
    await sleep(OUTAGE_MS);
    const backlog = edge.metrics().outboxDepth;
    proxy.restore();
    // restore() lifts every fault, the added latency too: the drain runs behind the same round trip.
    proxy.latency(variant.rttMs / 2);
    const committedAtRestore = edge.metrics().uplink.eventsCommitted;
    // The clock starts at the first acknowledgement after the restore (the sender's backoff is not the drain).
    // Bounded: a cloud that refuses the edge (credential, site) would otherwise keep the bench waiting for ever.
    const ackDeadline = Date.now() + 60_000;
    while (edge.metrics().uplink.eventsCommitted === committedAtRestore) {
      if (Date.now() > ackDeadline) {
        const { uplink } = edge.metrics();
        publishing = false;
        await site$;
        throw new Error(
          `no commit acknowledgement within 60 s of the restore (batches sent ${uplink.batchesSent}, events refused ${uplink.eventsRejected})`,
        );
      }
      await sleep(5);
    }
    const drainStart = Date.now();
    const committedAtStart = edge.metrics().uplink.eventsCommitted;
    const deadline = drainStart + 120_000;
    while (edge.metrics().outboxDepth > Math.max(liveDepth, perTick * 5) && Date.now() < deadline) await sleep(5);
    const drainMs = Date.now() - drainStart;
    const drained = edge.metrics().uplink.eventsCommitted - committedAtStart;
    publishing = false;
    await site$;
    const liveRate = (published / (Date.now() - startedMs)) * 1000;
    const drainRate = (drained / drainMs) * 1000;
    return withBaseline(
      {
        name: variant.name,
        unit: "events/s",
        value: drainRate,
        details: {
          window: variant.window,
          rttMs: variant.rttMs,
          outageMs: OUTAGE_MS,
          backlog,
          drainMs,
          eventsDrained: drained,
          targetLiveRate: LIVE_RATE,
          published,
          // Refused events are not drained, they are dead letters: a bench on the real path has none.
          eventsRefused: edge.metrics().uplink.eventsRejected,
        },
      },
      liveRate,
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
}
