import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  connectOpcuaShelf,
  DEFAULT_PIPELINE_CONFIG,
  edgePipeline,
  indexSite,
  prepareOpcuaClientPki,
} from "@tally/edge";
import type { ShelfDevice } from "@tally/protocols";
import { shelfSiteAtScale } from "@tally/simulators";
import { AttributeIds, type ClientSession, OPCUACertificateManager, OPCUAClient, TimestampsToReturn } from "node-opcua";
import { pino } from "pino";
import { v7 as uuidv7 } from "uuid";
import type { Benchmark, BenchResult } from "./bench-result.js";
import { withBaseline } from "./bench-result.js";
import { freePort } from "./free-port.js";

/** How long notifications are counted once every item is monitored and has sent its first value, ms. */
const WINDOW_MS = 5000;
const SERVER_SCRIPT = fileURLToPath(new URL("./opcua-bench-server.ts", import.meta.url));

interface Case {
  bins: number;
  intervalMs: number;
}

const CASES: readonly Case[] = [
  { bins: 2000, intervalMs: 100 },
  { bins: 10_000, intervalMs: 1000 },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one side measured over the window. */
interface Run {
  /** From connect to every item monitored and its first value in, ms. */
  setupMs: number;
  notificationsPerS: number;
  /** CPU time of this process (user + system) over wall time in the window: 1 is one core. */
  cpuShare: number;
  /** Events the pipeline made in the window (edge only). */
  events?: number;
  /** Connections lost or refused, setup included (edge only): a bench run should have none. */
  reconnects?: number;
}

/** Counts `count()` over the window, with this process's CPU time. */
async function measure(count: () => number): Promise<{ perS: number; cpuShare: number }> {
  const before = count();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await sleep(WINDOW_MS);
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

/** The shelf server in a child process; resolves once it listens. */
async function startServer(port: number, c: Case): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", SERVER_SCRIPT, JSON.stringify({ port, bins: c.bins, changeMs: c.intervalMs })],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`opcua bench server exited (${code}) before it was ready`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
  });
  child.removeAllListeners("exit");
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** The edge's connector (chunked monitored items, quality, observations) and its whole pipeline. */
async function edgeRun(device: ShelfDevice, c: Case, pkiDir: string): Promise<Run> {
  const site = shelfSiteAtScale({ endpointUrl: device.endpointUrl ?? "", bins: c.bins });
  const logger = pino({ level: "silent" });
  // The key pair is made once, before the clock starts: it is not the connector's work.
  const pki = await prepareOpcuaClientPki(pkiDir, { edgeId: "bench-opcua", trustOnFirstUse: true, logger });
  const started = performance.now();
  const source = connectOpcuaShelf(device, {
    logger,
    pki: Promise.resolve(pki),
    mode: "development",
    secretEnv: {},
    onCondition: () => {},
    siteId: site.siteId,
    newId: uuidv7,
  });
  let values = 0;
  let events = 0;
  const counted = source.observations$.subscribe(() => values++);
  const pipeline = edgePipeline(
    { observations$: source.observations$ },
    indexSite(site),
    { siteId: site.siteId, newId: uuidv7 },
    DEFAULT_PIPELINE_CONFIG,
  ).subscribe(() => events++);
  try {
    await source.ready;
    await waitFor("every bin's first value at the edge", () => values >= c.bins, 60_000);
    const setupMs = performance.now() - started;
    const eventsBefore = events;
    const notifications = () => values + Object.values(source.metrics().refused).reduce((a, b) => a + b, 0);
    const { perS, cpuShare } = await measure(notifications);
    return {
      setupMs,
      notificationsPerS: perS,
      cpuShare,
      events: events - eventsBefore,
      reconnects: source.metrics().reconnects,
    };
  } finally {
    pipeline.unsubscribe();
    counted.unsubscribe();
    await source.close();
  }
}

/** node-opcua's own client: the same subscription and items, counting notifications, nothing else. */
async function baselineRun(device: ShelfDevice, c: Case, pkiDir: string, perCall: number): Promise<Run> {
  const started = performance.now();
  const client = OPCUAClient.create({
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: join(pkiDir, "baseline"),
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
    for (let i = 0; i < device.bins.length; i += perCall) {
      const group = await subscription.monitorItems(
        device.bins.slice(i, i + perCall).map((b) => ({ nodeId: b.nodeId ?? "", attributeId: AttributeIds.Value })),
        { samplingInterval: c.intervalMs, queueSize: 10, discardOldest: true },
        TimestampsToReturn.Both,
      );
      group.on("changed", () => values++);
    }
    await waitFor("every bin's first value at the baseline client", () => values >= c.bins, 60_000);
    const setupMs = performance.now() - started;
    const { perS, cpuShare } = await measure(() => values);
    return { setupMs, notificationsPerS: perS, cpuShare };
  } finally {
    await session?.close().catch(() => undefined);
    await client.disconnect();
  }
}

/**
 * OPC-UA at warehouse scale: a shelf server in a child process changes every
 * bin every interval; the edge's connector and pipeline monitor all of them,
 * and node-opcua's own client with no pipeline does the same as the baseline,
 * one after the other against the same server in the same run. `value` is
 * notifications per second the edge took; details give the CPU share of this
 * process (CPU time over wall time: 1 is one core) and the setup time.
 */
export const opcuaBench: Benchmark = {
  name: "opcua",
  description:
    "OPC-UA shelf notifications/s through the edge's connector and pipeline, 2,000 items at 100 ms and 10,000 at 1 s, against node-opcua's client alone",
  async run(): Promise<BenchResult[]> {
    const pkiDir = await mkdtemp(join(tmpdir(), "tally-bench-opcua-"));
    const results: BenchResult[] = [];
    try {
      for (const c of CASES) {
        const port = await freePort();
        // The edge samples and publishes at the case's interval, as a site file would set it for such a shelf.
        const site = shelfSiteAtScale({
          endpointUrl: `opc.tcp://127.0.0.1:${port}/UA/TallyShelf`,
          bins: c.bins,
          sampling: { samplingIntervalMs: c.intervalMs, queueSize: 10 },
        });
        const device = site.devices[0];
        if (device?.kind !== "shelf") throw new Error("no shelf");
        const server = await startServer(port, c);
        try {
          const edge = await edgeRun(device, c, pkiDir);
          // The plain client's way: every item in one call (within node-opcua's default limit of 10,000).
          const baseline = await baselineRun(device, c, pkiDir, 10_000);
          results.push(
            withBaseline(
              {
                name: `opcua-${c.bins}x${c.intervalMs}ms`,
                unit: "notifications/s",
                value: edge.notificationsPerS,
                details: {
                  items: c.bins,
                  intervalMs: c.intervalMs,
                  offeredPerS: (c.bins * 1000) / c.intervalMs,
                  edgeCpuShare: Number(edge.cpuShare.toFixed(3)),
                  baselineCpuShare: Number(baseline.cpuShare.toFixed(3)),
                  edgeCpuUsPerNotification: Number(((edge.cpuShare * 1e6) / edge.notificationsPerS).toFixed(1)),
                  baselineCpuUsPerNotification: Number(
                    ((baseline.cpuShare * 1e6) / baseline.notificationsPerS).toFixed(1),
                  ),
                  edgeSetupMs: Math.round(edge.setupMs),
                  baselineSetupMs: Math.round(baseline.setupMs),
                  itemsMonitoredPerS: Math.round((c.bins / edge.setupMs) * 1000),
                  eventsInWindow: edge.events,
                  edgeReconnects: edge.reconnects,
                },
              },
              baseline.notificationsPerS,
            ),
          );
        } finally {
          await stopServer(server);
        }
      }
      return results;
    } finally {
      await rm(pkiDir, { recursive: true, force: true });
    }
  },
};
