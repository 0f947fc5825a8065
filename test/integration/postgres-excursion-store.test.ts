import { createLedgerStore } from "@tally/cloud";
import { afterAll, describe } from "vitest";
import { excursionStoreContract } from "../contract/excursion-store-contract.js";
import { probePostgres } from "../support/postgres.js";

// Top-level await: the skip decision needs to know before collection. In CI a missing server throws here.
const server = await probePostgres();
const unavailable = "unavailable" in server ? server.unavailable : undefined;

describe.skipIf(unavailable !== undefined)(
  `PostgreSQL excursion store${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    if ("unavailable" in server) return;
    afterAll(async () => {
      await server.stop();
    });

    excursionStoreContract("postgres", async () => createLedgerStore({ databaseUrl: await server.freshDatabase() }));
  },
);
