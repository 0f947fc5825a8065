import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerStore, sqliteLedgerFile } from "@tally/cloud";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { meta, movement, task, telemetry } from "./event-fixtures.js";
import { ledgerInvariants } from "./ledger-invariants.js";
import { ledgerStoreContract } from "./ledger-store-contract.js";
import { securityStoreContract } from "./security-store-contract.js";

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tally-sqlite-ledger-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

ledgerStoreContract("sqlite", async () => {
  count += 1;
  return createLedgerStore({ dataDir: join(root, `store-${count}`) });
});

ledgerInvariants("sqlite", async () => {
  count += 1;
  return createLedgerStore({ dataDir: join(root, `store-${count}`) });
});

securityStoreContract("sqlite", async () => {
  count += 1;
  return createLedgerStore({ dataDir: join(root, `store-${count}`) });
});

/** Keys sorted at every level: what the ledger hashes (its canonical JSON). */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v === null || typeof v !== "object" || Array.isArray(v)
      ? v
      : Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))),
  );
}

describe("SQLite ledger store", () => {
  it("moves telemetry kept before migrations 21 and 24 into the hand-off, one row a reading, and counts into counts", async () => {
    const dataDir = join(root, "before-21");
    const first = await createLedgerStore({ dataDir });
    await first.close();
    const reading = telemetry(4.5, { occurredAt: "2026-11-22T08:00:00.000Z" });
    const count = telemetry(7, { metric: "count:SKU-1", unit: "", location: "S1/A/01" });
    // A row whose event is missing: its reading is rebuilt from the row's columns.
    const orphan = telemetry(5.5, { occurredAt: "2026-11-22T08:01:00.000Z", location: "S1/A/02" });
    const db = new BetterSqlite3(sqliteLedgerFile(dataDir));
    try {
      // Back to version 20's tables, holding what it wrote: the body in events, the columns in telemetry.
      db.exec(`DELETE FROM schema_migrations WHERE version IN (21, 24);
        DROP TABLE counts; DROP TABLE telemetry_handoff;
        CREATE TABLE telemetry (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, site_id TEXT NOT NULL,
          device_id TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, location TEXT,
          occurred_at TEXT NOT NULL);
        CREATE INDEX telemetry_metric ON telemetry (metric, seq);`);
      for (const t of [reading, count, orphan]) {
        const body = sortedJson(t);
        if (t !== orphan) {
          db.prepare(
            `INSERT INTO events (id, kind, site_id, edge_id, batch_id, batch_seq, hash, body, occurred_at, committed_at)
             VALUES (?, 'telemetry', 'S1', 'edge-1', 'b', 0, ?, ?, ?, ?)`,
          ).run(t.id, createHash("sha256").update(body).digest("hex"), body, t.occurredAt, t.occurredAt);
        }
        db.prepare(
          `INSERT INTO telemetry (id, site_id, device_id, metric, value, unit, location, occurred_at)
           VALUES (?, 'S1', ?, ?, ?, ?, ?, ?)`,
        ).run(t.id, t.deviceId, t.metric, t.value, t.unit, t.location ?? null, t.occurredAt);
      }
    } finally {
      db.close();
    }
    const store = await createLedgerStore({ dataDir });
    try {
      const rows = await store.pendingTelemetry(10);
      expect(rows.map((r) => r.telemetry)).toEqual([[reading], [count], [orphan]]);
      expect((await store.counts(10)).map((c) => [c.sku, c.location, c.counted])).toEqual([["SKU-1", "S1/A/01", 7]]);
      const keys = new BetterSqlite3(sqliteLedgerFile(dataDir), { readonly: true });
      const ids = keys.prepare("SELECT id FROM telemetry_handoff ORDER BY seq").pluck().all();
      const old = keys.prepare("SELECT name FROM sqlite_master WHERE name = 'telemetry'").all();
      keys.close();
      expect(ids).toEqual([`1:${reading.id}`, `1:${count.id}`, `1:${orphan.id}`]);
      expect(old).toEqual([]);
      // A count keeps its identity (a resend is a duplicate). A sensor reading sent again is acknowledged, not
      // handed off twice while its row waits (the same key); new sensor readings leave nothing in events.
      expect((await store.commit(meta(), [count])).duplicates).toEqual([count.id]);
      expect((await store.commit(meta(), [reading])).committed).toEqual([reading.id]);
      const fresh = telemetry(5);
      await store.commit(meta(1), [fresh]);
      const check = new BetterSqlite3(sqliteLedgerFile(dataDir), { readonly: true });
      const row = check.prepare("SELECT body FROM events WHERE id = ?").get(fresh.id);
      check.close();
      expect(row).toBeUndefined();
      expect((await store.pendingTelemetry(10)).flatMap((r) => r.telemetry.map((t) => t.id))).toEqual([
        reading.id,
        count.id,
        orphan.id,
        fresh.id,
      ]);
    } finally {
      await store.close();
    }
  });

  it("reads movements recorded before migration 4 (body in events) and tells their resends from conflicts", async () => {
    const dataDir = join(root, "legacy");
    const store = await createLedgerStore({ dataDir });
    const m = movement({ sku: "OLD", qty: 4, to: "S1/A/01" });
    const body = sortedJson(m);
    const db = new BetterSqlite3(sqliteLedgerFile(dataDir));
    try {
      // What versions 1–3 wrote: the body and its hash in events, the columns in movements, the position.
      db.prepare(
        `INSERT INTO events (id, kind, site_id, edge_id, batch_id, batch_seq, hash, body, occurred_at, committed_at)
         VALUES (?, 'movement', 'S1', 'edge-1', 'b', 0, ?, ?, ?, ?)`,
      ).run(m.id, createHash("sha256").update(body).digest("hex"), body, m.occurredAt, m.occurredAt);
      db.prepare(
        `INSERT INTO movements (id, site_id, movement_type, sku, qty, to_location, lot, occurred_at)
         VALUES (?, 'S1', 'RECEIPT', 'OLD', 4, 'S1/A/01', '', ?)`,
      ).run(m.id, m.occurredAt);
      db.prepare("INSERT INTO positions (sku, location, lot, qty) VALUES ('OLD', 'S1/A/01', '', 4)").run();
    } finally {
      db.close();
    }
    try {
      expect(await store.movements({ sku: "OLD" })).toEqual([m]);
      expect(await store.movement(m.id)).toEqual(m);
      expect((await store.commit(meta(), [m])).duplicates).toEqual([m.id]);
      expect((await store.commit(meta(), [{ ...m, qty: 5 }])).conflicts).toEqual([m.id]);
      expect(await store.stock({ sku: "OLD" })).toEqual([{ sku: "OLD", location: "S1/A/01", lot: "", qty: 4 }]);
    } finally {
      await store.close();
    }
  });

  it("refuses UPDATE and DELETE of movements and events (triggers)", async () => {
    const dataDir = join(root, "append-only");
    const store = await createLedgerStore({ dataDir });
    await store.commit(meta(), [movement({ sku: "SKU-1", qty: 3, to: "S1/A/01" }), task()]);
    const db = new BetterSqlite3(sqliteLedgerFile(dataDir));
    try {
      for (const sql of [
        "UPDATE movements SET qty = 30",
        "DELETE FROM movements",
        "UPDATE events SET body = '{}'",
        "DELETE FROM events",
      ]) {
        expect(() => db.exec(sql), sql).toThrow(/TALLY_ERR_LEDGER_APPEND_ONLY/);
      }
      expect((await store.movements())[0]?.qty).toBe(3);
    } finally {
      db.close();
      await store.close();
    }
  });

  it("prepares a handful of statements however the batch sizes vary, not one per size", async () => {
    const prepare = vi.spyOn(BetterSqlite3.prototype, "prepare");
    const store = await createLedgerStore({ dataDir: join(root, "statement-sizes") });
    try {
      prepare.mockClear();
      let seq = 0;
      for (let size = 1; size <= 150; size++) {
        const batch = Array.from({ length: size }, (_, i) => movement({ sku: `SKU-${i % 7}`, qty: 1, to: "S1/A/01" }));
        await store.commit(meta(seq++), batch);
        // A resend of part of it: the duplicates' path, with its IN lists.
        await store.commit(meta(seq++), [
          ...batch.slice(0, Math.ceil(size / 2)),
          movement({ sku: "X", qty: 1, to: "S1/A/02" }),
        ]);
      }
      const texts = new Set(prepare.mock.calls.map(([sql]) => sql));
      // One statement per batch length makes about 300 here (150 lengths, several tables); 28 with eight lengths.
      expect(texts.size).toBeLessThan(60);
      const inserts = [...texts].filter((sql) => sql.startsWith("INSERT INTO movements"));
      expect(inserts.length).toBeGreaterThan(0);
      expect(inserts.length).toBeLessThanOrEqual(8);
      expect((await store.stock({ sku: "X" }))[0]?.qty).toBe(150);
    } finally {
      prepare.mockRestore();
      await store.close();
    }
  });

  it("lives at <dataDir>/cloud/ledger.db and keeps its data across reopening", async () => {
    const dataDir = join(root, "reopen");
    expect(sqliteLedgerFile(dataDir)).toBe(join(dataDir, "cloud", "ledger.db"));
    const first = await createLedgerStore({ dataDir });
    const m = movement({ sku: "SKU-1", qty: 3, to: "S1/A/01" });
    await first.commit(meta(), [m]);
    await first.close();
    const second = await createLedgerStore({ dataDir });
    try {
      expect(await second.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 3 }]);
      expect((await second.commit(meta(), [m])).duplicates).toEqual([m.id]);
    } finally {
      await second.close();
    }
  });
});
