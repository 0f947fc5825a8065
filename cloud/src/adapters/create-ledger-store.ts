import { join } from "node:path";
import type { LedgerStore } from "../ledger/ledger-store.js";
import type { ReadObserver } from "./observed-reads.js";
import { openPostgresLedgerStore } from "./postgres-ledger-store.js";
import { openSqliteLedgerStore } from "./sqlite-ledger-store.js";

export type LedgerStoreOptions = ({ dataDir: string } | { databaseUrl: string }) & {
  /** Told each read statement the store sends, with its parameters: for tests that ask the database for plans. */
  onRead?: ReadObserver;
};

/** Where the SQLite ledger lives under a data directory. */
export function sqliteLedgerFile(dataDir: string): string {
  return join(dataDir, "cloud", "ledger.db");
}

/** Opens the ledger (PostgreSQL when given a database URL, else SQLite under `dataDir`) and runs its migrations. */
export async function createLedgerStore(options: LedgerStoreOptions): Promise<LedgerStore> {
  if ("databaseUrl" in options) return openPostgresLedgerStore(options.databaseUrl, options.onRead);
  return openSqliteLedgerStore(sqliteLedgerFile(options.dataDir), options.onRead);
}
