import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerStore } from "@tally/cloud";
import { afterAll, beforeAll } from "vitest";
import { excursionStoreContract } from "./excursion-store-contract.js";

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tally-sqlite-excursions-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

excursionStoreContract("sqlite", async () => {
  count += 1;
  return createLedgerStore({ dataDir: join(root, `store-${count}`) });
});
