import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startCloud } from "@tally/cloud";
import type { Logger } from "pino";

/** A cloud on SQLite in a fresh temporary folder; `close` stops it and removes the folder. */
export interface TempCloud {
  cloud: RunningCloud;
  /** The cloud's HTTP API. */
  url: string;
  /** The temporary folder: the cloud keeps its data in `<dataDir>/cloud`, an edge may keep its own here. */
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A fresh folder (`prefix` + random) and a cloud on SQLite in it, its API and
 * embedded broker on ports the OS picks. Used by benches and integration tests.
 */
export async function startCloudInTempDir(prefix: string, logger: Logger): Promise<TempCloud> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  const cloud = await startCloud({
    port: 0,
    dataDir: join(dataDir, "cloud"),
    mqtt: { embedded: { port: 0 } },
    logger,
  }).catch(async (error: unknown) => {
    await removeDir();
    throw error;
  });
  return {
    cloud,
    url: cloud.url,
    dataDir,
    close: async () => {
      await cloud.close();
      await removeDir();
    },
  };
}
