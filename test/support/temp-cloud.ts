import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startCloud } from "@tally/cloud";
import type { Logger } from "pino";

/**
 * A fresh data folder and a cloud on SQLite in it (`<dataDir>/cloud`), its API
 * and embedded broker on ports the OS picks; `stops` gets what removes both,
 * to run in reverse after the test. The edge may keep its data in `dataDir`.
 */
export async function cloudInTempDir(
  stops: (() => Promise<unknown>)[],
  prefix: string,
  logger: Logger,
): Promise<{ dataDir: string; cloud: RunningCloud }> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  stops.push(() => rm(dataDir, { recursive: true, force: true }));
  const cloud = await startCloud({ port: 0, dataDir: join(dataDir, "cloud"), mqtt: { embedded: { port: 0 } }, logger });
  stops.push(() => cloud.close());
  return { dataDir, cloud };
}
