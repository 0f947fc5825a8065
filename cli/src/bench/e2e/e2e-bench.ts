import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SiteLayout } from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";
import { z } from "zod";
import type { Benchmark, BenchOptions, BenchResult } from "../bench-result.js";
import { type LocalMosquitto, startLocalMosquitto } from "../local-mosquitto.js";
import { type LocalPostgres, startLocalPostgres } from "../local-postgres.js";
import { LATENCY_LOCATION, latencyCase } from "./e2e-latency-case.js";
import { type Clients, type E2eStep, type Run, STEP_TIMEOUT_MS, throughBroker, throughSystem } from "./e2e-paths.js";
import { type E2eSystem, startE2eSystem } from "./e2e-system.js";
import { type E2eWorkload, expectedMovements } from "./e2e-workload.js";
import { type JsonLinesProcess, spawnJsonLines } from "./json-lines-process.js";

export { LATENCY_LOCATION } from "./e2e-latency-case.js";
export { quantile } from "./process-stats.js";

const BENCH_CHILD = fileURLToPath(new URL("../../../bin/bench-child.js", import.meta.url));

/** The cases of a run, as `--cases` names them. */
export const E2E_CASES = ["scans", "generic", "impinj", "batch50", "latency", "scale"] as const;
export type E2eCase = (typeof E2E_CASES)[number];
const WORKLOAD_CASE: Record<E2eWorkload, E2eCase> = {
  scan: "scans",
  "rfid-generic": "generic",
  "rfid-impinj": "impinj",
  "rfid-batch50": "batch50",
};

/** `--cases scans,latency`: known case names, or a refusal. */
export function parseCases(text: string): E2eCase[] | string {
  const names = text.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !(E2E_CASES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    return `--cases takes names from ${E2E_CASES.join(", ")} separated by commas, not ${text}`;
  }
  return names as E2eCase[];
}

function parseCasesOrThrow(text: string): E2eCase[] {
  const cases = parseCases(text);
  if (typeof cases === "string") throw new Error(cases);
  return cases;
}

/** What one `tally bench e2e` run does. */
export interface E2eConfig {
  /** The cases to run (all when absent); the scan path is warmed up for any scan case. */
  cases?: readonly E2eCase[] | undefined;
  /** Ledger in a local PostgreSQL instead of the embedded SQLite. */
  postgres: boolean;
  /** Messages per throughput case. */
  messages: Record<E2eWorkload, number>;
  /**
   * Messages of each case sent once through every path before anything is
   * timed (0: none), so that each process has compiled its hot path, as a
   * running edge has; not reported.
   */
  warmup: Record<E2eWorkload, number>;
  /** The latency case: scans offered at `ratePerS`, `messages` of them. */
  latency: { ratePerS: number; messages: number };
  /** Scan counts of the scale curve. */
  sizes: number[];
  /** Publishes awaiting their PUBACK, at most, per publisher. */
  window: number;
}

/** A run of a few minutes on a 2-core machine. */
export const DEFAULT_E2E_CONFIG: E2eConfig = {
  postgres: false,
  messages: { scan: 20_000, "rfid-generic": 20_000, "rfid-impinj": 20_000, "rfid-batch50": 10_000 },
  warmup: { scan: 2_000, "rfid-generic": 2_500, "rfid-impinj": 2_500, "rfid-batch50": 500 },
  latency: { ratePerS: 2_000, messages: 20_000 },
  sizes: [10_000, 50_000],
  window: 100,
};

/** RFID steps of a run (three cases, each warmed up): one portal each. */
const RFID_STEPS = 6;

/**
 * The demo site without its OPC-UA shelf (no shelf server runs here), with
 * the latency case's location and one copy of its door portal per RFID step.
 * A reader's clock only goes forward; each step's reads span device time
 * ending just before it starts, which would go back over the previous
 * step's on one portal.
 */
async function benchSite(): Promise<SiteLayout> {
  const demo = await readSiteFile(DEMO_SITE_FILE);
  const portal = demo.devices.find((d) => d.kind === "rfid-portal");
  if (portal === undefined) throw new Error("the demo site has no RFID portal");
  const portals = Array.from({ length: RFID_STEPS }, (_, i) => ({ ...portal, id: `bench-portal-${i + 1}` }));
  return {
    ...demo,
    locations: [...demo.locations, { code: LATENCY_LOCATION, zone: "DOCK" }],
    devices: [...demo.devices.filter((d) => d.kind === "scanner"), ...portals],
  };
}

/** A bench process: a bare broker, or a publisher or subscriber that takes its jobs on stdin. */
function spawnChild(role: "publisher" | "subscriber" | "broker"): JsonLinesProcess {
  return spawnJsonLines([BENCH_CHILD, role], process.env);
}

const Stock = z.object({ totalQty: z.number() });

/**
 * WIDGET units the ledger holds on the site: every movement of the run is a
 * RECEIPT of one, so this is the run's movement count read from the ledger
 * itself (the commit counter the steps wait on counts every event kind).
 */
async function widgetUnits(system: E2eSystem, siteId: string): Promise<number> {
  const query = new URLSearchParams({ siteId, sku: "WIDGET", limit: "1" });
  const res = await fetch(`${system.apiUrl}/v1/stock?${query}`, {
    headers: { authorization: `Bearer ${system.adminToken}` },
  });
  if (!res.ok) throw new Error(`GET /v1/stock: ${res.status}`);
  return Stock.parse(await res.json()).totalQty;
}

/** A bare broker a run measures against: where it listens, and its process. */
interface Broker {
  url: string;
  pid: number;
}

/** The processes a run measures: the system, the bare brokers, and the publisher and subscriber. */
interface Rig {
  system: E2eSystem;
  aedes: Broker;
  mosquitto: Broker;
  clients: Clients;
}

/** What a run has started so far: all of it is stopped at the end, however far the start got. */
interface Started {
  children: JsonLinesProcess[];
  postgres?: LocalPostgres | undefined;
  system?: E2eSystem | undefined;
  mosquitto?: LocalMosquitto | undefined;
}

/** Starts the system and the bare brokers, noting each in `started` as it comes up. */
async function startRig(started: Started, config: E2eConfig, site: SiteLayout, root: string): Promise<Rig> {
  // Started first: they compile while the cloud and the edge start.
  const aedes = spawnChild("broker");
  const clients: Clients = { publisher: spawnChild("publisher"), subscriber: spawnChild("subscriber") };
  started.children.push(aedes, clients.publisher, clients.subscriber);
  if (config.postgres) started.postgres = await startLocalPostgres();
  const system = await startE2eSystem({ root, site, databaseUrl: started.postgres?.url });
  started.system = system;
  const aedesUrl = String((await aedes.next("ready", STEP_TIMEOUT_MS)).url);
  await clients.publisher.next("started", STEP_TIMEOUT_MS);
  await clients.subscriber.next("started", STEP_TIMEOUT_MS);
  const mosquitto = await startLocalMosquitto();
  started.mosquitto = mosquitto;
  return {
    system,
    aedes: { url: aedesUrl, pid: aedes.pid },
    mosquitto: { url: mosquitto.url, pid: mosquitto.pid },
    clients,
  };
}

/** Stops what a run started: the bench processes, Mosquitto, the system, then PostgreSQL. */
async function stopStarted(started: Started): Promise<void> {
  for (const child of started.children) await child.stop();
  await started.mosquitto?.stop();
  await started.system?.close();
  await started.postgres?.stop();
}

/** The steps of a run, in order: each its own tag serials and, for RFID, its own portal. */
interface StepSequence {
  next(workload: E2eWorkload, messages: number): E2eStep;
  /** The movements of every step made so far. */
  movementsSent(): number;
}

function stepSequence(window: number): StepSequence {
  // Each step its own tag serials: a tag that passed once would be a second crossing, not a receipt.
  let serialBase = 1_000_000;
  let portals = 0;
  let movementsSent = 0;
  const next = (workload: E2eWorkload, messages: number): E2eStep => {
    movementsSent += expectedMovements(workload, messages);
    if (workload !== "scan") portals++;
    if (portals > RFID_STEPS) throw new Error(`more than ${RFID_STEPS} RFID steps`);
    const deviceId = workload === "scan" ? "scanner-1" : `bench-portal-${portals}`;
    const step = { workload, deviceId, messages, serialBase, window };
    serialBase += messages * 50;
    return step;
  };
  return { next, movementsSent: () => movementsSent };
}

/**
 * The whole benchmark: cloud and edge as processes, a bare aedes process and
 * a Mosquitto as baselines, and a publisher process per step. Results in the
 * order: each throughput case, the latency case, the scale curve.
 */
export async function runE2e(config: E2eConfig): Promise<BenchResult[]> {
  const site = await benchSite();
  const root = await mkdtemp(join(tmpdir(), "tally-bench-e2e-"));
  const started: Started = { children: [] };
  try {
    const rig = await startRig(started, config, site, root);
    const store = config.postgres ? "postgres" : "sqlite";
    const steps = stepSequence(config.window);
    const cases = new Set<E2eCase>(config.cases ?? E2E_CASES);
    const results = await throughputCases(rig, site, steps, cases, config, store);
    if (cases.has("latency")) {
      results.push(await latencyCase(rig.system, site, steps.next, config.latency, store, rig.clients));
    }
    if (cases.has("scale")) results.push(...(await scaleCurve(rig, site, steps, config.sizes, store)));
    await checkStock(rig.system, site.siteId, steps.movementsSent());
    return results;
  } finally {
    await stopStarted(started);
    await rm(root, { recursive: true, force: true });
  }
}

/** The workloads a run sends: the scan path for any scan case, each RFID workload for its own case. */
function workloadsOf(cases: ReadonlySet<E2eCase>): E2eWorkload[] {
  const anyScanCase = cases.has("scans") || cases.has("latency") || cases.has("scale");
  return (["scan", "rfid-generic", "rfid-impinj", "rfid-batch50"] as const).filter((w) =>
    w === "scan" ? anyScanCase : cases.has(WORKLOAD_CASE[w]),
  );
}

/** Each workload's warm-up, then each throughput case through the system and both bare brokers. */
async function throughputCases(
  rig: Rig,
  site: SiteLayout,
  steps: StepSequence,
  cases: ReadonlySet<E2eCase>,
  config: E2eConfig,
  store: string,
): Promise<BenchResult[]> {
  const workloads = workloadsOf(cases);
  for (const workload of workloads) {
    if (config.warmup[workload] === 0) continue;
    const step = steps.next(workload, config.warmup[workload]);
    await throughSystem(rig.system, site, step, rig.clients.publisher);
    await throughBroker(rig.aedes, site, step, rig.clients);
    await throughBroker(rig.mosquitto, site, step, rig.clients);
  }
  const results: BenchResult[] = [];
  for (const workload of workloads) {
    if (!cases.has(WORKLOAD_CASE[workload])) continue;
    const step = steps.next(workload, config.messages[workload]);
    const e2e = await throughSystem(rig.system, site, step, rig.clients.publisher);
    const bare = await throughBroker(rig.aedes, site, step, rig.clients);
    const mosq = await throughBroker(rig.mosquitto, site, step, rig.clients);
    results.push(throughputResult(workload, { e2e, bare, mosq }, store, config.window));
  }
  return results;
}

/** A throughput case's result: movements/s committed, against the same messages through bare aedes and Mosquitto. */
function throughputResult(
  workload: E2eWorkload,
  { e2e, bare, mosq }: { e2e: Run; bare: Run; mosq: Run },
  store: string,
  window: number,
): BenchResult {
  return {
    name: `e2e-${workload}`,
    unit: "movements/s",
    value: Math.round((e2e.messagesPerS * e2e.movements) / e2e.messages),
    baseline: Math.round(bare.messagesPerS),
    // Messages per second committed over messages per second delivered: the same messages on both paths.
    ratio: Number((e2e.messagesPerS / bare.messagesPerS).toPrecision(3)),
    details: {
      store,
      window,
      messages: e2e.messages,
      movements: e2e.movements,
      messagesPerSecond: Math.round(e2e.messagesPerS),
      commitLagAfterLastPublishMs: Math.round(e2e.lagMs),
      cpuUsPerMessage: e2e.cpuUsPerMessage,
      peakRssMb: e2e.peakRssMb,
      medianRssMb: e2e.medianRssMb,
      baselineAedes: {
        messagesPerSecond: Math.round(bare.messagesPerS),
        cpuUsPerMessage: bare.cpuUsPerMessage,
        peakRssMb: bare.peakRssMb,
      },
      baselineMosquitto: {
        messagesPerSecond: Math.round(mosq.messagesPerS),
        ratio: Number((e2e.messagesPerS / mosq.messagesPerS).toPrecision(3)),
        cpuUsPerMessage: mosq.cpuUsPerMessage,
        peakRssMb: mosq.peakRssMb,
      },
    },
  };
}

/** Scans through the system at each size of the curve. */
async function scaleCurve(
  rig: Rig,
  site: SiteLayout,
  steps: StepSequence,
  sizes: readonly number[],
  store: string,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const size of sizes) {
    const run = await throughSystem(rig.system, site, steps.next("scan", size), rig.clients.publisher);
    results.push({
      name: `e2e-scan-scale-${size}`,
      unit: "movements/s",
      value: Math.round(run.messagesPerS),
      details: {
        store,
        movements: run.movements,
        commitLagAfterLastPublishMs: Math.round(run.lagMs),
        cpuUsPerMessage: run.cpuUsPerMessage,
        peakRssMb: run.peakRssMb,
        medianRssMb: run.medianRssMb,
      },
    });
  }
  return results;
}

/** The run's receipts, all of them in the ledger: the WIDGETs it holds are the movements sent. */
async function checkStock(system: E2eSystem, siteId: string, movementsSent: number): Promise<void> {
  const units = await widgetUnits(system, siteId);
  if (units !== movementsSent)
    throw new Error(`the ledger holds ${units} WIDGETs; the run sent ${movementsSent} receipts`);
}

/** `--sizes 10000,100000`: positive whole numbers, or a refusal. */
export function parseSizes(text: string): number[] | string {
  const sizes = text.split(",").map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000_000)) {
    return `--sizes takes positive whole numbers separated by commas, not ${text}`;
  }
  return sizes;
}

/**
 * Device → ledger: cloud and edge as separate processes (production mode,
 * device credentials, QoS 1), against a bare aedes and a Mosquitto carrying
 * the same messages to a JSON-parsing subscriber, in the same run.
 */
export const e2eBench: Benchmark = {
  name: "e2e",
  description:
    "movements/s device → edge → cloud → ledger (separate processes, QoS 1) vs the same messages through bare aedes and Mosquitto; publish→commit p50/p99; scale curve",
  run: (options?: BenchOptions) =>
    runE2e({
      ...DEFAULT_E2E_CONFIG,
      postgres: options?.postgres === true,
      ...(options?.sizes !== undefined && { sizes: options.sizes }),
      ...(options?.rate !== undefined && { latency: { ...DEFAULT_E2E_CONFIG.latency, ratePerS: options.rate } }),
      ...(options?.cases !== undefined && { cases: parseCasesOrThrow(options.cases) }),
      ...(options?.window !== undefined && { window: options.window }),
    }),
};
