import { join } from "node:path";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { openPostgresLedgerStore } from "./postgres-ledger-store.js";
import { openSqliteLedgerStore } from "./sqlite-ledger-store.js";

export type LedgerStoreOptions = { dataDir: string } | { databaseUrl: string };

/** Where the SQLite ledger lives under a data directory. */
export function sqliteLedgerFile(dataDir: string): string {
  return join(dataDir, "cloud", "ledger.db");
}

/** Opens the ledger (PostgreSQL when given a database URL, else SQLite under `dataDir`) and runs its migrations. */
export async function createLedgerStore(options: LedgerStoreOptions): Promise<LedgerStore> {
  if ("databaseUrl" in options) return openPostgresLedgerStore(options.databaseUrl);
  return openSqliteLedgerStore(sqliteLedgerFile(options.dataDir));
}
