import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerStore, type LedgerStore } from "@tally/cloud";
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
