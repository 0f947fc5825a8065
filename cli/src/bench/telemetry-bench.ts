import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerStore, hashSecret, InfluxTelemetryStore, newToken, TelemetryForwarder } from "@tally/cloud";
import { toReadingColumns } from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";
import { pino } from "pino";
import { v7 as uuidv7 } from "uuid";
import type { Benchmark, BenchOptions, BenchResult } from "./bench-result.js";
import { withBaseline } from "./bench-result.js";
import { spawnCloudProcess } from "./cloud-process.js";
import { readProcessStats } from "./e2e/process-stats.js";
import { startLocalInflux } from "./local-influx.js";

/** Points each way: enough for a few seconds of either path on this kind of machine. */
const DEVICES = 40;
const READINGS_PER_DEVICE = 5000;
/** Points per ingest batch and per `/write` of the baseline: the wire's largest batch. */
const BATCH = 5000;
const SITE = "DEMO";
const LOCATION = "DEMO/COLD/C1";
const UNTIL_QUERYABLE_MS = 120_000;
const EDGE = "bench-telemetry";

export interface TelemetryBenchPoint {
  id: string;
  deviceId: string;
  atMs: number;
  value: number;
}

/** The benchmark's points: `devices` sensors, `perDevice` readings each 100 ms apart, ending a minute ago. */
export function benchPoints(devices: number, perDevice: number, nowMs: number): TelemetryBenchPoint[] {
  const startMs = nowMs - 60_000 - perDevice * 100;
  const points: TelemetryBenchPoint[] = [];
  for (let i = 0; i < perDevice; i++) {
    for (let d = 0; d < devices; d++) {
      points.push({
        // Time-ordered ids, as edges make them (UUIDv7): the ledger's B-tree inserts stay sequential.
        id: uuidv7(),
        deviceId: `bench-t${d}`,
        atMs: startMs + i * 100,
        value: 4 + ((i + d) % 40) / 10,
      });
    }
  }
  return points;
}

/**
 * A point as line protocol, with the tags and fields the InfluxDB telemetry store writes for a reading
 * (min = max = sum = value, count 1): InfluxDB does the same work for both ways.
 */
/** CPU time a process used while `run` ran, per point, µs; undefined without a process to read. */
async function cpuUsPerPoint<T>(
  pid: number | undefined,
  points: number,
  run: () => Promise<T>,
): Promise<{ result: T; usPerPoint: number | undefined }> {
  const before = pid === undefined ? undefined : (await readProcessStats(pid)).cpuMs;
  const result = await run();
  if (pid === undefined || before === undefined) return { result, usPerPoint: undefined };
  const used = (await readProcessStats(pid)).cpuMs - before;
  return { result, usPerPoint: Math.round(used * (10_000 / points)) / 10 };
}

export function benchLine(p: TelemetryBenchPoint): string {
  const v = String(p.value);
  return (
    `telemetry,deviceId=${p.deviceId},location=${LOCATION},metric=temperature,siteId=${SITE},unit=Cel,zone=COLD ` +
    `count=1i,max=${v},min=${v},sum=${v},value=${v} ${p.atMs}`
  );
}

async function influxQuery(base: string, db: string, q: string): Promise<unknown> {
  const res = await fetch(`${base}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`, { method: "POST" });
  if (!res.ok) throw new Error(`InfluxDB answered ${res.status} to ${q}: ${await res.text()}`);
  return res.json();
}

/** The count a `SELECT count(...)` answers (0 for no series). */
async function countOf(base: string, db: string, q: string): Promise<number> {
  const body = (await influxQuery(base, db, q)) as { results: { series?: { values: [string, number][] }[] }[] };
  return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

/** How many points the database's telemetry measurement holds in retention policy `rp`. */
function storedCount(base: string, db: string, rp: string): Promise<number> {
  return countOf(base, db, `SELECT count("value") FROM "${db}"."${rp}"."telemetry"`);
}

/**
 * Waits until all `points` are queryable. A count over the whole measurement costs InfluxDB a scan of every
 * point stored so far, so polling it every 20 ms would load the slower side of a comparison more than the
 * faster one: the poll asks first only for the last point (one series, one time), and counts everything
 * once that is there.
 */
async function untilStored(
  base: string,
  db: string,
  rp: string,
  points: readonly TelemetryBenchPoint[],
): Promise<void> {
  const last = points.at(-1);
  if (last === undefined) return;
  const lastQuery = `SELECT count("value") FROM "${db}"."${rp}"."telemetry" WHERE "deviceId" = '${last.deviceId}' AND time = ${last.atMs}ms`;
  const deadline = Date.now() + UNTIL_QUERYABLE_MS;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  while (Date.now() <= deadline) {
    if ((await countOf(base, db, lastQuery)) > 0 && (await storedCount(base, db, rp)) >= points.length) return;
    await pause();
  }
  throw new Error(`fewer than ${points.length} points in ${db} after ${UNTIL_QUERYABLE_MS} ms`);
}

/**
 * The baseline: line protocol straight to `/write`, batch after batch; points/s until the last is queryable.
 * Its bodies are made before the clock starts, as the ingest path's are: neither pays for its client's
 * serialisation.
 */
async function lineProtocolRate(base: string, points: readonly TelemetryBenchPoint[]): Promise<number> {
  const db = `bench_lp_${Date.now().toString(36)}`;
  await influxQuery(base, db, `CREATE DATABASE "${db}"`);
  const bodies: string[] = [];
  for (let i = 0; i < points.length; i += BATCH) {
    bodies.push(
      points
        .slice(i, i + BATCH)
        .map(benchLine)
        .join("\n"),
    );
  }
  const started = performance.now();
  for (const body of bodies) {
    const res = await fetch(`${base}/write?db=${db}&precision=ms`, { method: "POST", body });
    if (res.status !== 204) throw new Error(`InfluxDB refused a write: ${res.status} ${await res.text()}`);
  }
  await untilStored(base, db, "autogen", points);
  return (points.length / (performance.now() - started)) * 1000;
}

/**
 * The real path: batches of telemetry to the cloud's ingest, the ledger's hand-off, the forwarder, InfluxDB.
 * The cloud runs in a process of its own, as in production, so this process's client (the batches are
 * serialised before the clock starts) takes nothing from the cloud's thread.
 */
async function ingestPathRate(
  base: string,
  points: readonly TelemetryBenchPoint[],
): Promise<{ rate: number; ingestMs: number; totalMs: number; cloudCpuUsPerPoint: number }> {
  const db = `bench_path_${Date.now().toString(36)}`;
  const dataDir = await mkdtemp(join(tmpdir(), "tally-bench-telemetry-"));
  const stops: (() => Promise<unknown>)[] = [() => rm(dataDir, { recursive: true, force: true })];
  try {
    const token = await prepareLedger(dataDir);
    // The database, retention policies and continuous query are made at the first use: not part of the timing.
    const setup = new InfluxTelemetryStore({ url: `${base}/${db}` });
    await setup.query({ fromMs: 0, toMs: 1, window: "raw", limit: 1 });
    await setup.close();
    // The forwarder's thread (decision 0193) as the bench's own environment says: its default otherwise.
    const thread = process.env.TALLY_TELEMETRY_FORWARD_THREAD;
    const env = {
      TALLY_INFLUX_URL: `${base}/${db}`,
      ...(thread !== undefined && { TALLY_TELEMETRY_FORWARD_THREAD: thread }),
    };
    const cloud = await spawnCloudProcess({ dataDir, env });
    stops.push(() => cloud.close());
    const bodies: string[] = [];
    for (let i = 0, seq = 0; i < points.length; i += BATCH, seq++) {
      // As an edge's uplink sends them (TALLY_UPLINK_READING_COLUMNS, on by default): plain readings as columns.
      const { events, readings } = toReadingColumns(telemetryEvents(points.slice(i, i + BATCH)));
      const sentAt = new Date().toISOString();
      const envelope = { v: 1, edgeId: EDGE, siteId: SITE, batchId: randomUUID(), seq, sentAt, events, readings };
      bodies.push(JSON.stringify(envelope));
    }
    const cpuBefore = await cloud.cpuMs();
    const started = performance.now();
    for (const body of bodies) {
      const res = await fetch(`${cloud.url}/v1/ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      const ack = (await res.json()) as { status?: string };
      if (ack.status !== "committed") throw new Error(`ingest answered ${res.status}: ${JSON.stringify(ack)}`);
    }
    const ingestMs = performance.now() - started;
    await untilStored(base, db, "tally_raw", points);
    const totalMs = performance.now() - started;
    const cloudCpuUsPerPoint = ((await cloud.cpuMs()) - cpuBefore) * (1000 / points.length);
    return {
      rate: (points.length / totalMs) * 1000,
      ingestMs: Math.round(ingestMs),
      totalMs: Math.round(totalMs),
      cloudCpuUsPerPoint: Math.round(cloudCpuUsPerPoint * 10) / 10,
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

/** A ledger in `dataDir` with the demo site and an edge credential for the bench; returns the token. */
async function prepareLedger(dataDir: string): Promise<string> {
  const ledger = await createLedgerStore({ dataDir });
  try {
    await ledger.importSite(await readSiteFile(DEMO_SITE_FILE));
    const { id, secret, token } = newToken();
    await ledger.security.createToken({
      id,
      secretHash: hashSecret(secret),
      name: `edge ${EDGE}`,
      role: "edge",
      sites: [SITE],
      edgeId: EDGE,
      createdBy: "bench",
    });
    return token;
  } finally {
    await ledger.close();
  }
}

/** The ledger's telemetry as edges send it. */
function telemetryEvents(points: readonly TelemetryBenchPoint[]) {
  return points.map((p) => ({
    kind: "telemetry" as const,
    id: p.id,
    siteId: SITE,
    occurredAt: new Date(p.atMs).toISOString(),
    deviceId: p.deviceId,
    metric: "temperature",
    value: p.value,
    unit: "Cel",
    location: LOCATION,
  }));
}

/**
 * The forwarder alone: the points committed to a ledger first (not timed), then moved from its hand-off to
 * InfluxDB; points/s until the last is queryable.
 */
async function forwardRate(base: string, points: readonly TelemetryBenchPoint[]): Promise<number> {
  const db = `bench_fwd_${Date.now().toString(36)}`;
  const dataDir = await mkdtemp(join(tmpdir(), "tally-bench-forward-"));
  const ledger = await createLedgerStore({ dataDir });
  const store = new InfluxTelemetryStore({ url: `${base}/${db}` });
  try {
    for (let i = 0, seq = 0; i < points.length; i += BATCH, seq++) {
      await ledger.commit(
        { edgeId: EDGE, siteId: SITE, batchId: randomUUID(), seq },
        telemetryEvents(points.slice(i, i + BATCH)),
      );
    }
    await store.query({ fromMs: 0, toMs: 1, window: "raw", limit: 1 });
    const started = performance.now();
    const forwarder = new TelemetryForwarder({ ledger, store, logger: pino({ level: "silent" }) });
    forwarder.start();
    await untilStored(base, db, "tally_raw", points);
    const ms = performance.now() - started;
    await forwarder.close();
    return (points.length / ms) * 1000;
  } finally {
    await store.close();
    await ledger.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Telemetry from ingest into InfluxDB: batches of telemetry events posted to
 * the cloud's ingest, committed to the ledger's hand-off, forwarded to
 * InfluxDB, timed until the last point is queryable; against the same
 * points written as line protocol straight to the same influxd's `/write`
 * in batches of the same size. `ratio` is how much of InfluxDB's own write
 * rate the cloud's path keeps (target ≥ 0.7). A second result,
 * `telemetry-forward`, times the forwarder alone from a filled hand-off.
 */
export const telemetryBench: Benchmark = {
  name: "telemetry",
  description:
    "telemetry points/s from the cloud's ingest into InfluxDB, against line protocol straight to /write (target ratio ≥ 0.7)",
  run: (options: BenchOptions = {}) =>
    measureTelemetry({ ...options, devices: DEVICES, perDevice: READINGS_PER_DEVICE }),
};

/** The benchmark with its size given (tests run it small). */
export async function measureTelemetry(
  options: BenchOptions & { devices: number; perDevice: number },
): Promise<BenchResult[]> {
  const local = options.influxUrl === undefined ? await startLocalInflux() : undefined;
  const base = (options.influxUrl ?? local?.url ?? "").replace(/\/+$/, "");
  try {
    const points = benchPoints(options.devices, options.perDevice, Date.now());
    // The baseline runs first, on an InfluxDB that has not yet seen the path's points. influxd's CPU over each
    // run (a throwaway one only): what InfluxDB itself spent a point, the same work both ways.
    const influxd = local?.pid();
    const n = points.length;
    const baseline = await cpuUsPerPoint(influxd, n, () => lineProtocolRate(base, points));
    const path = await cpuUsPerPoint(influxd, n, () => ingestPathRate(base, points));
    const forwarded = await cpuUsPerPoint(influxd, n, () => forwardRate(base, points));
    return [
      withBaseline(
        {
          name: "telemetry",
          unit: "points/s",
          value: path.result.rate,
          details: {
            points: points.length,
            batch: BATCH,
            influx: local === undefined ? "given" : "throwaway",
            // Until the last batch was acknowledged, then until its last point was queryable.
            ingestMs: path.result.ingestMs,
            totalMs: path.result.totalMs,
            // The cloud process's CPU (user + system) over the run, per point; influxd's over the run and over
            // the baseline's.
            cloudCpuUsPerPoint: path.result.cloudCpuUsPerPoint,
            ...(path.usPerPoint !== undefined && { influxCpuUsPerPoint: path.usPerPoint }),
            ...(baseline.usPerPoint !== undefined && { baselineInfluxCpuUsPerPoint: baseline.usPerPoint }),
          },
        },
        baseline.result,
      ),
      // The part of the path after the commit: how much of InfluxDB's write rate the forwarder keeps.
      withBaseline(
        {
          name: "telemetry-forward",
          unit: "points/s",
          value: forwarded.result,
          details: {
            points: points.length,
            ...(forwarded.usPerPoint !== undefined && { influxCpuUsPerPoint: forwarded.usPerPoint }),
          },
        },
        baseline.result,
      ),
    ];
  } finally {
    await local?.stop();
  }
}
