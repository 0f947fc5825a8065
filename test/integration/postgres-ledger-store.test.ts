import { randomUUID } from "node:crypto";
import { AlertHub, createLedgerStore, ingestBatch, SiteFactsCache } from "@tally/cloud";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { meta, movement, siteLayout, task } from "../contract/event-fixtures.js";
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
