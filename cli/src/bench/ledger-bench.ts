import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLedgerStore,
  type LedgerStore,
  MOVEMENT_COLUMNS,
  movementColumnValues,
  sqliteLedgerFile,
} from "@tally/cloud";
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
function generate(count: number, startMs: number): Movement[] {
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

/** The columns of the ledger's movements table the baselines fill: a movement's, then its commit's seq. */
const BARE_COLUMNS = [...MOVEMENT_COLUMNS.map((c) => c.name), "commit_seq"];
const PG_TYPES = [...MOVEMENT_COLUMNS.map((c) => c.type), "bigint"];
const BODY = MOVEMENT_COLUMNS.findIndex((c) => c.name === "body");
/** The bench's movements are made with UTC ISO times, which is how both drivers keep them. */
const AS_GIVEN = { timestamp: (iso: string) => iso };

/**
 * A movement as the ledger's movements table holds it, in `BARE_COLUMNS` order (computed before timing), by
 * the ledger's own mapping: the body is what the columns do not hold (`storedBody`, decision 0042), as JSON
 * text, which both baselines bind.
 */
function movementRow(m: Movement, commitSeq: number): unknown[] {
  const row = movementColumnValues(m, AS_GIVEN);
  row[BODY] = JSON.stringify(row[BODY]);
  row.push(commitSeq);
  return row;
}

/** One batch: the movements and, computed beforehand, the rows the baselines insert. */
interface Batch {
  index: number;
  movements: Movement[];
  rows: unknown[][];
}

function makeBatch(index: number): Batch {
  // As ingest hands movements to the store: decoded from their JSON wire form. Built in place, their ids
  // (uuid) and codes (template literals) are V8 cons strings, which the first step to hash or test them
  // flattens, about 4 ms a batch: the store's commit ran first and paid it for the baselines too.
  const movements = JSON.parse(
    JSON.stringify(generate(BATCH, Date.UTC(2026, 0, 1) + index * BATCH * 10)),
  ) as Movement[];
  return { index, movements, rows: movements.map((m) => movementRow(m, index + 1)) };
}

/**
 * Runs the steps batch by batch, interleaved (store, then each baseline, on
 * the same batch), after the warm-up batches, and returns each step's rows
 * per second. Interleaving spreads the noise of a shared machine over all
 * of them alike, so their ratios stay meaningful; each batch is made just
 * before its steps (untimed), so no step pays for collecting a heap of
 * prepared batches.
 */
async function interleaved(batchCount: number, steps: readonly ((batch: Batch) => unknown)[]): Promise<number[]> {
  const ms = steps.map(() => 0);
  for (let i = 0; i < batchCount + WARMUP_BATCHES; i++) {
    const batch = makeBatch(i);
    for (const [k, step] of steps.entries()) {
      const start = process.hrtime.bigint();
      await step(batch);
      if (i >= WARMUP_BATCHES) ms[k] = (ms[k] ?? 0) + Number(process.hrtime.bigint() - start) / 1e6;
    }
  }
  return ms.map((total) => ((batchCount * BATCH) / total) * 1000);
}

const commitStep = (store: LedgerStore) => (batch: Batch) =>
  store.commit({ edgeId: "bench", siteId: "BENCH", batchId: v7(), seq: batch.index }, batch.movements);

async function sqliteResult(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), "tally-bench-ledger-"));
  const file = join(dir, "store");
  const store = await createLedgerStore({ dataDir: file });
  // The same rows through one bare multi-row INSERT … ON CONFLICT DO NOTHING per batch, with the store's
  // pragmas (WAL, synchronous=FULL, 32 MB page cache): into a copy of the ledger's movements table (same
  // columns and indexes, no triggers), and into a table with a primary key only.
  const db = new BetterSqlite3(join(dir, "bare.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("cache_size = -32768");
    const ledger = new BetterSqlite3(sqliteLedgerFile(file), { readonly: true });
    const ddl = ledger
      .prepare<[], { sql: string }>(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'movements' AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC",
      )
      .all();
    ledger.close();
    for (const { sql } of ddl) {
      db.exec(sql.replace(/\bmovements\b/g, "bench_movements").replace(/\b(INDEX\s+)(\w+)/i, "$1bench_$2"));
    }
    db.exec(
      `CREATE TABLE bench_bare (${BARE_COLUMNS.map((c, i) => `${c}${i === 0 ? " TEXT PRIMARY KEY" : ""}`).join(", ")}) WITHOUT ROWID`,
    );
    const statement = (table: string) => {
      const row = `(${BARE_COLUMNS.map(() => "?").join(", ")})`;
      const insert = db.prepare(
        `INSERT INTO ${table} (${BARE_COLUMNS.join(", ")}) VALUES ${Array.from({ length: BATCH }, () => row).join(", ")} ON CONFLICT (id) DO NOTHING`,
      );
      const tx = db.transaction((batch: readonly unknown[][]) => insert.run(batch.flat()));
      return (batch: Batch) => tx.immediate(batch.rows);
    };
    const [value = 0, baseline = 0, primaryKeyOnly = 0] = await interleaved(SQLITE_BATCHES, [
      commitStep(store),
      statement("bench_movements"),
      statement("bench_bare"),
    ]);
    return withBaseline(
      {
        name: "ledger-sqlite",
        unit: "movements/s",
        value,
        details: {
          batch: BATCH,
          batches: SQLITE_BATCHES,
          synchronous: "FULL",
          baselineTable: "copy of movements (same columns and indexes)",
          primaryKeyOnlyInsert: Math.round(primaryKeyOnly),
          ratioToPrimaryKeyOnly: Number((value / primaryKeyOnly).toFixed(3)),
        },
      },
      baseline,
    );
  } finally {
    db.close();
    await store.close();
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
    const store = await createLedgerStore({ databaseUrl: url.toString() });
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      // Copies of the ledger's movements table (same columns, identity and indexes; no triggers), and a table
      // with a primary key only.
      for (const table of ["bench_movements", "bench_unnest"]) {
        await client.query(
          `CREATE TABLE ${table} (LIKE movements INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)`,
        );
      }
      await client.query(
        `CREATE TABLE bench_bare (${BARE_COLUMNS.map((c, i) => `${c} ${PG_TYPES[i]}${i === 0 ? " PRIMARY KEY" : ""}`).join(", ")})`,
      );
      // The baseline, as our target defines it: one multi-row INSERT … VALUES ($1, …), (…) … ON CONFLICT DO
      // NOTHING, a parameter per value, prepared once (named), committed on its own: one round trip a batch.
      const values = (table: string) => {
        const text = `INSERT INTO ${table} (${BARE_COLUMNS.join(", ")}) VALUES ${Array.from(
          { length: BATCH },
          (_, r) => `(${PG_TYPES.map((t, k) => `$${r * PG_TYPES.length + k + 1}::${t}`).join(", ")})`,
        ).join(", ")} ON CONFLICT (id) DO NOTHING`;
        return async ({ rows: batch }: Batch) => {
          await client.query({ name: `${table}_insert`, text, values: batch.flat() });
        };
      };
      // The same rows as one INSERT … SELECT FROM unnest(array per column): slower here, in details.
      const unnest = async ({ rows: batch }: Batch) => {
        await client.query({
          name: "bench_unnest_insert",
          text: `INSERT INTO bench_unnest (${BARE_COLUMNS.join(", ")})
           SELECT * FROM unnest(${PG_TYPES.map((t, k) => `$${k + 1}::${t}[]`).join(", ")})
           ON CONFLICT (id) DO NOTHING`,
          values: BARE_COLUMNS.map((_, k) => batch.map((r) => r[k])),
        });
      };
      const [value = 0, baseline = 0, primaryKeyOnly = 0, unnestForm = 0] = await interleaved(POSTGRES_BATCHES, [
        commitStep(store),
        values("bench_movements"),
        values("bench_bare"),
        unnest,
      ]);
      return withBaseline(
        {
          name: "ledger-postgres",
          unit: "movements/s",
          value,
          details: {
            batch: BATCH,
            batches: POSTGRES_BATCHES,
            server: server === undefined ? "env" : "local (fsync on)",
            baselineTable: "copy of movements (same columns and indexes)",
            baselineForm: "INSERT … VALUES (…), … ON CONFLICT (id) DO NOTHING, prepared, autocommit",
            primaryKeyOnlyInsert: Math.round(primaryKeyOnly),
            ratioToPrimaryKeyOnly: Number((value / primaryKeyOnly).toFixed(3)),
            unnestFormInsert: Math.round(unnestForm),
          },
        },
        baseline,
      );
    } finally {
      await client.end();
      await store.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await server?.stop();
  }
}

/**
 * Ledger commits per second in batches of 500 (movements, positions,
 * serials and stock alerts in one transaction), on SQLite and on PostgreSQL
 * (`TALLY_BENCH_DATABASE_URL`, else a local cluster started for the run).
 * Baseline: the same rows (bodies as the ledger stores them, made before
 * timing) through one bare multi-row `INSERT … VALUES … ON CONFLICT (id)
 * DO NOTHING` per batch into a copy of the ledger's movements table (same
 * columns and indexes, same pragmas), measured in the same run, batch by
 * batch; `details` also has the same insert into a primary-key-only table
 * and, on PostgreSQL, the `unnest` form. `TALLY_BENCH_LEDGER=sqlite` or
 * `postgres` runs one side only.
 */
export const ledgerBench: Benchmark = {
  name: "ledger",
  description: "movements committed per second in batches of 500 on SQLite and PostgreSQL, against a bare INSERT",
  run: async () => {
    const only = process.env.TALLY_BENCH_LEDGER;
    return [
      ...(only === "postgres" ? [] : [await sqliteResult()]),
      ...(only === "sqlite" ? [] : [await postgresResult()]),
    ];
  },
};
