import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerStore } from "@tally/cloud";
import { afterAll, beforeAll } from "vitest";
import { notificationStoreContract } from "./notification-store-contract.js";

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tally-sqlite-notifications-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

notificationStoreContract("sqlite", async () => {
  count += 1;
  return { store: await createLedgerStore({ dataDir: join(root, `store-${count}`) }) };
});
