import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerStore, sqliteLedgerFile, startCloud } from "@tally/cloud";
import pg from "pg";
import { pino } from "pino";
import type { Benchmark, BenchOptions, BenchResult } from "./bench-result.js";
import { fillPostgresLedger, fillSqliteLedger } from "./bulk-ledger.js";
import { startLocalPostgres } from "./local-postgres.js";

/** The ledger measured, and the one its figures are compared with (same data, 1 % of it). */
const BIG = 1_000_000;
const SMALL = 10_000;
const WARMUP = 20;
const TIMED = 200;

/**
 * The reads, as a client sends them. SKU-43 is at site S3, in zone Z3, bins B101–B103 (`fillSqliteLedger`'s
 * layout); it has 12 movements at 10,000 and 1,000 at 1,000,000.
 */
const READS: readonly { name: string; path: string }[] = [
  { name: "stock history", path: "/v1/stock/SKU-43/history?limit=100" },
  { name: "movements at a location", path: "/v1/movements?location=S3%2FZ3%2FB101&limit=100" },
  { name: "movements by sku and type", path: "/v1/movements?sku=SKU-43&type=PICK&limit=100" },
  { name: "movements by type", path: "/v1/movements?type=TRANSFER&limit=100" },
  { name: "stock below a location", path: "/v1/stock?location=S3%2FZ3&limit=100" },
];

interface Timing {
  p50: number;
  p99: number;
  /** Entries in the answer (a page holds fewer when the small ledger has fewer). */
  rows: number;
}

/** The length of the answer's list (`entries`, `movements` or `positions`). */
function rowsIn(body: unknown): number {
  if (body === null || typeof body !== "object") return 0;
  const list = Object.values(body).find(Array.isArray);
  return list?.length ?? 0;
}

/** p50 and p99 in ms of `TIMED` sequential requests (after `WARMUP`), each answered 200. */
async function time(url: string, token: string): Promise<Timing> {
  const once = async () => {
    const started = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    return performance.now() - started;
  };
  const first = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const rows = rowsIn(await first.json());
  for (let i = 0; i < WARMUP; i++) await once();
  const ms: number[] = [];
  for (let i = 0; i < TIMED; i++) ms.push(await once());
  ms.sort((a, b) => a - b);
  const at = (q: number) => Number((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(2));
  return { p50: at(0.5), p99: at(0.99), rows };
}

/** Each read's timing through the real HTTP API of a cloud over `ledger`. */
async function timeReads(ledger: { dataDir: string } | { databaseUrl: string }): Promise<Map<string, Timing>> {
  const cloud = await startCloud({
    port: 0,
    ...ledger,
    mqtt: { embedded: { port: 0 } },
    logger: pino({ level: "silent" }),
  });
  try {
    const timings = new Map<string, Timing>();
    for (const read of READS) timings.set(read.name, await time(`${cloud.url}${read.path}`, cloud.adminToken));
    return timings;
  } finally {
    await cloud.close();
  }
}

async function sqliteTimings(movements: number): Promise<Map<string, Timing>> {
  const dataDir = await mkdtemp(join(tmpdir(), "tally-bench-reads-"));
  try {
    // Migrated by a first opening, filled with nothing else connected.
    await (await createLedgerStore({ dataDir })).close();
    fillSqliteLedger(sqliteLedgerFile(dataDir), movements);
    return await timeReads({ dataDir });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function postgresTimings(serverUrl: string, movements: number): Promise<Map<string, Timing>> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `tally_bench_reads_${movements}_${Date.now()}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await (await createLedgerStore({ databaseUrl: url.toString() })).close();
    await fillPostgresLedger(url.toString(), movements);
    return await timeReads({ databaseUrl: url.toString() });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

function results(store: string, big: Map<string, Timing>, small: Map<string, Timing>): BenchResult[] {
  return READS.map((read) => {
    const b = big.get(read.name) ?? { p50: 0, p99: 0, rows: 0 };
    const s = small.get(read.name) ?? { p50: 0, p99: 0, rows: 0 };
    return {
      name: `reads-${store}: ${read.name}`,
      unit: "ms p50",
      value: b.p50,
      baseline: s.p50,
      ratio: Number((b.p50 / s.p50).toFixed(2)),
      details: {
        path: read.path,
        movements: BIG,
        p99: b.p99,
        rows: b.rows,
        baselineMovements: SMALL,
        baselineP99: s.p99,
        baselineRows: s.rows,
      },
    };
  });
}

/**
 * Ledger reads through the HTTP API (fetch to a cloud on port 0, one
 * request at a time, 200 timed after 20 of warm-up): p50 in ms at
 * 1,000,000 movements, against the same read at 10,000 (the baseline; a
 * ratio near 1 is a read that does not grow with the ledger), p99 in
 * details. SQLite always; PostgreSQL with `--postgres`
 * (`TALLY_BENCH_DATABASE_URL`, else a local cluster started for the run).
 */
export const readsBench: Benchmark = {
  name: "reads",
  description: "ledger reads through the API at 1,000,000 movements against 10,000: p50/p99 ms",
  run: async (options?: BenchOptions) => {
    const out = results("sqlite", await sqliteTimings(BIG), await sqliteTimings(SMALL));
    if (options?.postgres !== true) return out;
    const given = process.env.TALLY_BENCH_DATABASE_URL;
    const server = given !== undefined && given !== "" ? undefined : await startLocalPostgres();
    try {
      const url = server?.url ?? given ?? "";
      out.push(...results("postgres", await postgresTimings(url, BIG), await postgresTimings(url, SMALL)));
    } finally {
      await server?.stop();
    }
    return out;
  },
};
