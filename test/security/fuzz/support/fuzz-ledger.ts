import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AlertHub, createLedgerStore, type IngestDeps, type LedgerStore, SiteFactsCache } from "@tally/cloud";
import { afterAll, beforeAll } from "vitest";
import { FUZZ_SITE } from "../arbitraries/fuzz-site.js";

/** A SQLite ledger in a temporary folder with the fuzz site imported, and how to remove it. */
export async function fuzzLedger(): Promise<{ store: LedgerStore; dispose: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "tally-fuzz-ledger-"));
  const store = await createLedgerStore({ dataDir });
  await store.importSite(FUZZ_SITE);
  return {
    store,
    dispose: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file: the fuzz ledger opened before its tests and removed after them, with the ingest's
 * dependencies on it (the real checks against the imported fuzz site). Read them inside the tests.
 */
export function fuzzIngestLedger(): { store: () => LedgerStore; deps: () => IngestDeps } {
  let opened: { store: LedgerStore; deps: IngestDeps; dispose: () => Promise<void> } | undefined;
  beforeAll(async () => {
    const { store, dispose } = await fuzzLedger();
    opened = { store, dispose, deps: { store, alerts: new AlertHub(), siteFacts: new SiteFactsCache(store) } };
  });
  afterAll(async () => {
    await opened?.dispose();
  });
  const get = () => {
    if (opened === undefined) throw new Error("the fuzz ledger is open only inside the file's tests");
    return opened;
  };
  return { store: () => get().store, deps: () => get().deps };
}
