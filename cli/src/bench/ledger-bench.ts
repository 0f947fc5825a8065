import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerStore, type LedgerStore } from "@tally/cloud";
import type { Movement } from "@tally/protocols";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { v7 } from "uuid";
import type { Benchmark, BenchResult } from "./bench-result.js";
import { withBaseline } from "./bench-result.js";
import { startLocalPostgres } from "./local-postgres.js";

const BATCH = 500;
/** Batches timed per store; a few more run first as warm-up. */
const SQLITE_BATCHES = 80;
const POSTGRES_BATCHES = 60;
const WARMUP_BATCHES = 4;

/**
 * A warehouse-like flow with time-ordered ids, in groups of four that never
 * take stock below zero: a receipt at a dock door (every other one a
 * serialised unit with its EPC), its putaway to a bin, a transfer to another
 * bin and a pick; over 50 SKUs, 200 bins and a few lots.
 */
function movements(count: number, startMs: number): Movement[] {
  const out: Movement[] = [];
  for (let g = 0; out.length < count; g++) {
    const at = (k: number) => new Date(startMs + (g * 4 + k) * 10).toISOString();
    const serial = g % 2 === 0;
    const qty = serial ? 1 : 2 + (g % 5);
    const bin = `BENCH/STORE/B${(g * 7) % 200}`;
    const bin2 = `BENCH/STORE/B${(g * 13 + 1) % 200}`;
    const common = {
      kind: "movement" as const,
      siteId: "BENCH",
      sku: `SKU-${g % 50}`,
      evidence: { deviceId: "portal-1", observationIds: [] },
      confidence: 1,
      ...(serial ? { epc: `urn:epc:id:sgtin:0614141.812345.${startMs + g}` } : g % 3 === 0 ? { lot: `L${g % 4}` } : {}),
    };
    out.push(
      { ...common, id: v7(), occurredAt: at(0), movementType: "RECEIPT", qty, to: "BENCH/DOCK/D1" },
      { ...common, id: v7(), occurredAt: at(1), movementType: "PUTAWAY", qty, from: "BENCH/DOCK/D1", to: bin },
      { ...common, id: v7(), occurredAt: at(2), movementType: "TRANSFER", qty, from: bin, to: bin2 },
      { ...common, id: v7(), occurredAt: at(3), movementType: "PICK", qty: 1, from: bin2 },
    );
  }
  return out.slice(0, count);
}

/** One batch's rows as the bare baseline inserts them: the events table's columns. */
interface BareRow {
  id: string;
  body: string;
  occurredAt: string;
}

function bareRows(batch: readonly Movement[]): BareRow[] {
  return batch.map((m) => ({ id: m.id, body: JSON.stringify(m), occurredAt: m.occurredAt }));
}

async function timeCommits(store: LedgerStore, batches: readonly Movement[][]): Promise<number> {
  for (const [i, batch] of batches.slice(0, WARMUP_BATCHES).entries()) {
    await store.commit({ edgeId: "bench", siteId: "BENCH", batchId: v7(), seq: i }, batch);
  }
  const timed = batches.slice(WARMUP_BATCHES);
  const start = process.hrtime.bigint();
  for (const [i, batch] of timed.entries()) {
    await store.commit({ edgeId: "bench", siteId: "BENCH", batchId: v7(), seq: i }, batch);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return ((timed.length * BATCH) / ms) * 1000;
}

const BARE_TABLE = `bench_bare (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, site_id TEXT NOT NULL, edge_id TEXT NOT NULL, batch_id TEXT NOT NULL,
  batch_seq INTEGER NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL, occurred_at TEXT NOT NULL, committed_at TEXT NOT NULL)`;

async function sqliteResult(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), "tally-bench-ledger-"));
  try {
    const batches = Array.from({ length: SQLITE_BATCHES + WARMUP_BATCHES }, (_, b) =>
      movements(BATCH, Date.UTC(2026, 0, 1) + b * BATCH * 10),
    );
    const store = await createLedgerStore({ dataDir: join(dir, "store") });
    let value: number;
    try {
      value = await timeCommits(store, batches);
    } finally {
      await store.close();
    }

    // The same rows through one bare multi-row INSERT … ON CONFLICT DO NOTHING per batch, same pragmas.
    const db = new BetterSqlite3(join(dir, "bare.db"));
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.exec(`CREATE TABLE ${BARE_TABLE} WITHOUT ROWID`);
      const row = "(?, 'movement', 'BENCH', 'bench', ?, 0, '', ?, ?, ?)";
      const insert = db.prepare(
        `INSERT INTO bench_bare VALUES ${Array.from({ length: BATCH }, () => row).join(", ")} ON CONFLICT (id) DO NOTHING`,
      );
      const rows = batches.map(bareRows);
      const commit = db.transaction((batch: readonly BareRow[], batchId: string) => {
        const now = new Date().toISOString();
        insert.run(...batch.flatMap((r) => [r.id, batchId, r.body, r.occurredAt, now]));
      });
      for (const batch of rows.slice(0, WARMUP_BATCHES)) commit.immediate(batch, v7());
      const timed = rows.slice(WARMUP_BATCHES);
      const start = process.hrtime.bigint();
      for (const batch of timed) commit.immediate(batch, v7());
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const baseline = ((timed.length * BATCH) / ms) * 1000;
      return withBaseline(
        {
          name: "ledger-sqlite",
          unit: "movements/s",
          value,
          details: { batch: BATCH, batches: SQLITE_BATCHES, synchronous: "FULL" },
        },
        baseline,
      );
    } finally {
      db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function postgresResult(): Promise<BenchResult> {
  const given = process.env.TALLY_BENCH_DATABASE_URL;
  const server = given !== undefined && given !== "" ? undefined : await startLocalPostgres();
  const serverUrl = server?.url ?? given ?? "";
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `tally_bench_${Date.now()}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const batches = Array.from({ length: POSTGRES_BATCHES + WARMUP_BATCHES }, (_, b) =>
      movements(BATCH, Date.UTC(2026, 0, 1) + b * BATCH * 10),
    );
    const store = await createLedgerStore({ databaseUrl: url.toString() });
    let value: number;
    try {
      value = await timeCommits(store, batches);
    } finally {
      await store.close();
    }

    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(
        `CREATE TABLE bench_bare (id text PRIMARY KEY, kind text NOT NULL, site_id text NOT NULL, edge_id text NOT NULL,
          batch_id text NOT NULL, batch_seq bigint NOT NULL, hash text NOT NULL, body jsonb NOT NULL,
          occurred_at timestamptz NOT NULL, committed_at timestamptz NOT NULL)`,
      );
      const rows = batches.map(bareRows);
      const commit = async (batch: readonly BareRow[]) => {
        await client.query("BEGIN");
        await client.query(
          `INSERT INTO bench_bare SELECT u.id, 'movement', 'BENCH', 'bench', $4, 0, '', u.body::jsonb, u.occurred_at, now()
           FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(id, body, occurred_at)
           ON CONFLICT (id) DO NOTHING`,
          [batch.map((r) => r.id), batch.map((r) => r.body), batch.map((r) => r.occurredAt), v7()],
        );
        await client.query("COMMIT");
      };
      for (const batch of rows.slice(0, WARMUP_BATCHES)) await commit(batch);
      const timed = rows.slice(WARMUP_BATCHES);
      const start = process.hrtime.bigint();
      for (const batch of timed) await commit(batch);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const baseline = ((timed.length * BATCH) / ms) * 1000;
      return withBaseline(
        {
          name: "ledger-postgres",
          unit: "movements/s",
          value,
          details: { batch: BATCH, batches: POSTGRES_BATCHES, server: server === undefined ? "env" : "local" },
        },
        baseline,
      );
    } finally {
      await client.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await server?.stop();
  }
}

/**
 * Ledger commits per second in batches of 500 (events, movements, positions,
 * serials and stock alerts in one transaction), on SQLite and on PostgreSQL
 * (`TALLY_BENCH_DATABASE_URL`, else a local cluster started for the run).
 * Baseline: the same rows through one bare multi-row
 * `INSERT … ON CONFLICT DO NOTHING` per batch, measured in the same run.
 */
export const ledgerBench: Benchmark = {
  name: "ledger",
  description: "movements committed per second in batches of 500 on SQLite and PostgreSQL, against a bare INSERT",
  run: async () => [await sqliteResult(), await postgresResult()],
};
