import { createLedgerStore } from "@tally/cloud";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { probePostgres } from "../support/postgres.js";

// Top-level await: the skip decision needs to know before collection. In CI a missing server throws here.
const server = await probePostgres();
const unavailable = "unavailable" in server ? server.unavailable : undefined;

describe.skipIf(unavailable !== undefined)(
  `PostgreSQL LISTEN connection${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    if ("unavailable" in server) return;
    afterAll(async () => {
      await server.stop();
    });

    it("lets the connection it stopped listening on die in the pool without throwing", async () => {
      const url = await server.freshDatabase();
      const store = await createLedgerStore({ databaseUrl: url });
      const thrown: unknown[] = [];
      const onUncaught = (error: unknown) => thrown.push(error);
      process.on("uncaughtException", onUncaught);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const stop = await store.alerting.watchOthers(() => undefined);
        await stop();
        // The listening connection is back in the pool, idle: the server ends it (as a dropped database or a
        // restart would), and the pool hears the error on it.
        const ended = await admin.query<{ n: string }>(
          `SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        expect(Number(ended.rows[0]?.n)).toBeGreaterThan(0);
        // A read on a new connection: the pool dropped the dead one, and nothing threw meanwhile.
        await expect.poll(async () => (await store.items()).length, { timeout: 10_000 }).toBe(0);
        expect(thrown).toEqual([]);
      } finally {
        process.off("uncaughtException", onUncaught);
        await admin.end();
        await store.close();
      }
    });
  },
);
