import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteTelemetryStore } from "@tally/cloud";
import { afterAll, beforeAll } from "vitest";
import { telemetryStoreContract } from "./telemetry-store-contract.js";

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tally-sqlite-telemetry-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

telemetryStoreContract("sqlite", async () => {
  count += 1;
  return new SqliteTelemetryStore(join(root, `telemetry-${count}.db`));
});
