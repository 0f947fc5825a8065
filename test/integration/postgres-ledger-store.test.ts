import { randomUUID } from "node:crypto";
import { AlertHub, createLedgerStore, ingestBatch, SiteFactsCache } from "@tally/cloud";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { meta, movement, siteLayout, task, telemetry } from "../contract/event-fixtures.js";
import { ledgerInvariants } from "../contract/ledger-invariants.js";
import { ledgerStoreContract } from "../contract/ledger-store-contract.js";
import { securityStoreContract } from "../contract/security-store-contract.js";
import { probePostgres } from "../support/postgres.js";

// Top-level await: the skip decision needs to know before collection. In CI a missing server throws here.
const server = await probePostgres();
const unavailable = "unavailable" in server ? server.unavailable : undefined;

describe.skipIf(unavailable !== undefined)(
  `PostgreSQL ledger store${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    if ("unavailable" in server) return;
    afterAll(async () => {
      await server.stop();
    });

    ledgerStoreContract("postgres", async () => createLedgerStore({ databaseUrl: await server.freshDatabase() }));
    ledgerInvariants("postgres", async () => createLedgerStore({ databaseUrl: await server.freshDatabase() }));
    securityStoreContract("postgres", async () => createLedgerStore({ databaseUrl: await server.freshDatabase() }));

    it("refuses UPDATE, DELETE and TRUNCATE of movements and events, whoever asks", async () => {
      const url = await server.freshDatabase();
      const store = await createLedgerStore({ databaseUrl: url });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await store.commit(meta(), [movement({ sku: "SKU-1", qty: 3, to: "S1/A/01" }), task()]);
        for (const sql of [
          "UPDATE movements SET qty = 30",
          "DELETE FROM movements",
          "TRUNCATE movements",
          "UPDATE events SET body = '{}'",
          "DELETE FROM events",
          "TRUNCATE events CASCADE",
        ]) {
          await expect(client.query(sql), sql).rejects.toThrow(/TALLY_ERR_LEDGER_APPEND_ONLY/);
        }
        expect((await store.movements())[0]?.qty).toBe(3);
      } finally {
        await client.end();
        await store.close();
      }
    });

    it("moves telemetry kept before migrations 21 and 24 into the hand-off, one row a reading, and counts into counts", async () => {
      const url = await server.freshDatabase();
      const first = await createLedgerStore({ databaseUrl: url });
      await first.close();
      const reading = telemetry(4.5);
      const count = telemetry(7, { metric: "count:SKU-1", unit: "", location: "S1/A/01" });
      // A row whose event is missing: its reading is rebuilt from the row's columns.
      const orphan = telemetry(5.5, { occurredAt: "2026-11-22T08:01:00.000Z", location: "S1/A/02" });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // Back to version 20's tables, holding what it wrote: the body in events, the columns in telemetry.
        await client.query(`DELETE FROM schema_migrations WHERE version IN (21, 24);
          DROP TABLE counts; DROP TABLE telemetry_handoff;
          CREATE TABLE telemetry (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE,
            site_id text NOT NULL, device_id text NOT NULL, metric text NOT NULL, value double precision NOT NULL,
            unit text NOT NULL, location text, occurred_at timestamptz NOT NULL);
          CREATE INDEX telemetry_metric ON telemetry (metric, seq);`);
        for (const t of [reading, count, orphan]) {
          if (t !== orphan) {
            await client.query(
              `INSERT INTO events (id, kind, site_id, edge_id, batch_id, batch_seq, hash, body, occurred_at, committed_at)
               VALUES ($1, 'telemetry', 'S1', 'edge-1', 'b', 0, 'h', $2, $3, $3)`,
              [t.id, JSON.stringify(t), t.occurredAt],
            );
          }
          await client.query(
            `INSERT INTO telemetry (id, site_id, device_id, metric, value, unit, location, occurred_at)
             VALUES ($1, 'S1', $2, $3, $4, $5, $6, $7)`,
            [t.id, t.deviceId, t.metric, t.value, t.unit, t.location ?? null, t.occurredAt],
          );
        }
      } finally {
        await client.end();
      }
      const store = await createLedgerStore({ databaseUrl: url });
      try {
        const rows = await store.pendingTelemetry(10);
        expect(rows.map((r) => r.telemetry)).toEqual([[reading], [count], [orphan]]);
        expect((await store.counts(10)).map((c) => [c.sku, c.location, c.counted])).toEqual([["SKU-1", "S1/A/01", 7]]);
        const check = new pg.Client({ connectionString: url });
        await check.connect();
        try {
          const keys = await check.query("SELECT id FROM telemetry_handoff ORDER BY seq");
          expect(keys.rows.map((r) => r.id)).toEqual([`1:${reading.id}`, `1:${count.id}`, `1:${orphan.id}`]);
          expect((await check.query("SELECT to_regclass('telemetry') AS t")).rows[0]?.t).toBeNull();
        } finally {
          await check.end();
        }
        await store.forwardedTelemetry(rows.map((r) => r.seq));
        expect(await store.pendingTelemetry(10)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it("ingests text no encoding can hold (a lone surrogate) with U+FFFD in its place, not a failed commit", async () => {
      const store = await createLedgerStore({ databaseUrl: await server.freshDatabase() });
      try {
        const t = { ...task("S1/B/01"), detail: "label \ud800 torn, \ud83d\udce6 whole" };
        const m = { ...movement({ sku: "SKU-1", qty: 1, to: "S1/A/01" }), lot: "L\udc00" };
        const batch = {
          v: 1 as const,
          edgeId: "edge-1",
          siteId: "S1",
          batchId: randomUUID(),
          seq: 0,
          sentAt: t.occurredAt,
          events: [t, m],
        };
        await store.importSite(siteLayout());
        const deps = {
          store,
          alerts: new AlertHub(),
          siteFacts: new SiteFactsCache(store),
          now: () => new Date(t.occurredAt),
        };
        const ack = await ingestBatch(deps, batch);
        expect(ack).toMatchObject({ status: "committed", committed: [t.id, m.id], rejected: [] });
        expect((await store.tasks.list())[0]?.detail).toBe("label \ufffd torn, \ud83d\udce6 whole");
        expect(await store.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "L\ufffd", qty: 1 }]);
        // A resend is known as one.
        expect((await ingestBatch(deps, batch)).duplicates).toEqual([t.id, m.id]);
      } finally {
        await store.close();
      }
    });

    it("migrates once, and a second store on the same database reuses the schema and the data", async () => {
      const url = await server.freshDatabase();
      const first = await createLedgerStore({ databaseUrl: url });
      const m = movement({ sku: "SKU-1", qty: 3, to: "S1/A/01" });
      await first.commit(meta(), [m]);
      const second = await createLedgerStore({ databaseUrl: url });
      try {
        expect(second.kind).toBe("postgres");
        expect((await second.commit(meta(), [m])).duplicates).toEqual([m.id]);
        expect(await second.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 3 }]);
      } finally {
        await first.close();
        await second.close();
      }
    });

    it("applies concurrent resends of one batch exactly once", async () => {
      const store = await createLedgerStore({ databaseUrl: await server.freshDatabase() });
      try {
        const events = Array.from({ length: 50 }, () => movement({ sku: "SKU-1", qty: 1, to: "S1/A/01" }));
        const results = await Promise.all(Array.from({ length: 4 }, () => store.commit(meta(), events)));
        expect(results.reduce((sum, r) => sum + r.committed.length, 0)).toBe(50);
        expect(results.reduce((sum, r) => sum + r.duplicates.length, 0)).toBe(150);
        expect(await store.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 50 }]);
      } finally {
        await store.close();
      }
    });
  },
);
