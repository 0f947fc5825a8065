import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareOpcuaClientPki, startEdge } from "@tally/edge";
import type { ShelfDevice, SiteLayout } from "@tally/protocols";
import { shelfSiteAtScale } from "@tally/simulators";
import { AttributeIds, type ClientSession, OPCUACertificateManager, OPCUAClient, TimestampsToReturn } from "node-opcua";
import { pino } from "pino";
import type { Benchmark, BenchResult } from "./bench-result.js";
import { withBaseline } from "./bench-result.js";
import { freePort } from "./free-port.js";
import { judgeOpcuaCase, type OpcuaBenchCase } from "./opcua-bench-verdict.js";

/** Measuring window: at least this long, and at least 10 intervals (whole publishing cycles dominate), ms. */
const MIN_WINDOW_MS = 6000;
/** After every first value is in: time for the first wave of settles, JIT and SQLite to reach a steady state, ms. */
const MIN_WARMUP_MS = 3000;
const SERVER_SCRIPT = fileURLToPath(new URL("./opcua-bench-server.ts", import.meta.url));

const CASES: readonly OpcuaBenchCase[] = [
  { items: 2000, intervalMs: 100, maxCpuShare: 0.15 },
  { items: 10_000, intervalMs: 1000 },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one side measured over the window. */
interface Run {
  /** From connect to every item monitored and its first value in, ms. */
  setupMs: number;
  notificationsPerS: number;
  /** CPU time of this process (user + system) over wall time in the window: 1 is one core. */
  cpuShare: number;
  /** Items monitored at the end of the window. */
  monitored: number;
  /** Events the pipeline queued for the outbox in the window (edge only). */
  eventsPerS?: number;
  /** Connections lost or refused, setup included (edge only): a bench run should have none. */
  reconnects?: number;
}

const windowMs = (c: OpcuaBenchCase) => Math.max(MIN_WINDOW_MS, 10 * c.intervalMs);
const warmupMs = (c: OpcuaBenchCase) => Math.max(MIN_WARMUP_MS, 3 * c.intervalMs);

/** Counts `count()` over the case's window, with this process's CPU time. */
async function measure(c: OpcuaBenchCase, count: () => number): Promise<{ perS: number; cpuShare: number }> {
  const before = count();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await sleep(windowMs(c));
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { perS: ((count() - before) / wallMs) * 1000, cpuShare: (used.user + used.system) / 1000 / wallMs };
}

async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`opcua bench: ${what} not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** The shelf server and stand-in cloud in a child process; resolves with the cloud's URL once both listen. */
async function startServer(port: number, c: OpcuaBenchCase): Promise<{ child: ChildProcess; ingestUrl: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", SERVER_SCRIPT, JSON.stringify({ port, bins: c.items, changeMs: c.intervalMs })],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const ingestUrl = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`opcua bench server exited (${code}) before it was ready`)));
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /ready (\S+)\n/.exec(out);
      if (ready?.[1] !== undefined) resolve(ready[1]);
    });
  });
  child.removeAllListeners("exit");
  return { child, ingestUrl };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * The whole edge as `tally edge` runs it (`startEdge`: connector, pipeline, event ids, the durable outbox
 * on disk, the uplink to the stand-in cloud), with the shelf as its only device.
 */
async function edgeRun(site: SiteLayout, c: OpcuaBenchCase, dir: string, ingestUrl: string): Promise<Run> {
  const shelfId = site.devices[0]?.id ?? "";
  const logger = pino({ level: "silent" });
  const pkiDir = join(dir, "edge-pki");
  // The key pair is made once, before the clock starts: it is not the connector's work.
  await prepareOpcuaClientPki(pkiDir, { edgeId: "bench-opcua", trustOnFirstUse: true, logger });
  const started = performance.now();
  const edge = await startEdge({
    site,
    edgeId: "bench-opcua",
    mode: "development",
    // No MQTT device: the device broker is on the loopback and idle.
    insecure: true,
    devices: { embedded: { host: "127.0.0.1", port: 0 } },
    uplink: { httpUrl: ingestUrl },
    dataDir: join(dir, `edge-${c.items}`),
    logger,
    opcua: { pkiDir },
  });
  try {
    const notifications = () => edge.metrics().observations + edge.metrics().opcuaValuesRejected;
    if ((await edge.shelvesReady(60_000)).waiting.length > 0)
      throw new Error("opcua bench: the shelf is not monitored");
    await waitFor("every bin's first value at the edge", () => notifications() >= c.items, 60_000);
    const setupMs = performance.now() - started;
    await sleep(warmupMs(c));
    const eventsBefore = edge.metrics().eventsQueued;
    const { perS, cpuShare } = await measure(c, notifications);
    const metrics = edge.metrics();
    return {
      setupMs,
      notificationsPerS: perS,
      cpuShare,
      monitored: metrics.opcuaMonitoredBins[shelfId] ?? 0,
      eventsPerS: ((metrics.eventsQueued - eventsBefore) / windowMs(c)) * 1000,
      reconnects: metrics.opcuaShelfRefusals,
    };
  } finally {
    await edge.close();
  }
}

/** node-opcua's own client: the same subscription and items, counting notifications, nothing else. */
async function baselineRun(device: ShelfDevice, c: OpcuaBenchCase, dir: string): Promise<Run> {
  const started = performance.now();
  const client = OPCUAClient.create({
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: join(dir, "baseline-pki"),
      automaticallyAcceptUnknownCertificate: true,
    }),
  });
  await client.connect(device.endpointUrl ?? "");
  let session: ClientSession | undefined;
  try {
    session = await client.createSession();
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: c.intervalMs,
      requestedMaxKeepAliveCount: 10,
      requestedLifetimeCount: 30,
      maxNotificationsPerPublish: 10_000,
      publishingEnabled: true,
    });
    let values = 0;
    // The plain client's way: every item in one call (within node-opcua's default limit of 10,000).
    const group = await subscription.monitorItems(
      device.bins.map((b) => ({ nodeId: b.nodeId ?? "", attributeId: AttributeIds.Value })),
      { samplingInterval: c.intervalMs, queueSize: 10, discardOldest: true },
      TimestampsToReturn.Both,
    );
    group.on("changed", () => values++);
    await waitFor("every bin's first value at the baseline client", () => values >= c.items, 60_000);
    const setupMs = performance.now() - started;
    await sleep(warmupMs(c));
    const { perS, cpuShare } = await measure(c, () => values);
    return { setupMs, notificationsPerS: perS, cpuShare, monitored: group.monitoredItems.length };
  } finally {
    await session?.close().catch(() => undefined);
    await client.disconnect();
  }
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

/** One case: the edge, then the baseline, against one server child. */
async function runCase(c: OpcuaBenchCase, dir: string): Promise<BenchResult> {
  const port = await freePort();
  // The edge samples and publishes at the case's interval, as a site file would set it for such a shelf.
  const site = shelfSiteAtScale({
    endpointUrl: `opc.tcp://127.0.0.1:${port}/UA/TallyShelf`,
    bins: c.items,
    sampling: { samplingIntervalMs: c.intervalMs, queueSize: 10 },
  });
  const device = site.devices[0];
  if (device?.kind !== "shelf") throw new Error("no shelf");
  const { child, ingestUrl } = await startServer(port, c);
  try {
    const edge = await edgeRun(site, c, dir, ingestUrl);
    const baseline = await baselineRun(device, c, dir);
    const verdict = judgeOpcuaCase(c, {
      notificationsPerS: edge.notificationsPerS,
      cpuShare: edge.cpuShare,
      monitored: edge.monitored,
      reconnects: edge.reconnects ?? 0,
    });
    return withBaseline(
      {
        name: `opcua-${c.items}x${c.intervalMs}ms`,
        unit: "notifications/s",
        value: edge.notificationsPerS,
        details: {
          items: c.items,
          intervalMs: c.intervalMs,
          ...verdict,
          edgeCpuShare: round(edge.cpuShare),
          baselineCpuShare: round(baseline.cpuShare),
          baselineCpuUsPerNotification: round((baseline.cpuShare * 1e6) / baseline.notificationsPerS, 2),
          edgeEventsPerS: Math.round(edge.eventsPerS ?? 0),
          edgeSetupMs: Math.round(edge.setupMs),
          baselineSetupMs: Math.round(baseline.setupMs),
          itemsMonitoredPerS: Math.round((c.items / edge.setupMs) * 1000),
          edgeMonitored: edge.monitored,
          edgeReconnects: edge.reconnects,
          windowMs: windowMs(c),
          warmupMs: warmupMs(c),
          loadAverage: loadavg().map((n) => round(n, 2)),
        },
      },
      baseline.notificationsPerS,
    );
  } finally {
    await stopServer(child);
  }
}

/**
 * OPC-UA at warehouse scale: a shelf server in a child process changes every
 * item every interval; the whole edge (`startEdge`: connector, pipeline,
 * durable outbox, uplink to a stand-in cloud in the server's process)
 * monitors all of them, then node-opcua's own client with no pipeline does
 * the same as the baseline, against the same server in the same run. `value`
 * is notifications per second the edge took; details give its CPU share (CPU
 * time over wall time: 1 is one core), the share implied at the offered rate,
 * and whether the case's target is met.
 */
export const opcuaBench: Benchmark = {
  name: "opcua",
  description:
    "OPC-UA shelf notifications/s and CPU share of the whole edge, 2,000 items at 100 ms (target < 15 % of a core) and 10,000 at 1 s, against node-opcua's client alone",
  async run(): Promise<BenchResult[]> {
    const dir = await mkdtemp(join(tmpdir(), "tally-bench-opcua-"));
    try {
      const results: BenchResult[] = [];
      for (const c of CASES) results.push(await runCase(c, dir));
      return results;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
