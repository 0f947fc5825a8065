import { startCloudInTempDir } from "@tally/cli";
import type { RunningCloud } from "@tally/cloud";
import type { Logger } from "pino";

export { startCloudInTempDir, type TempCloud } from "@tally/cli";

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
  const temp = await startCloudInTempDir(prefix, logger);
  stops.push(() => temp.close());
  return { dataDir: temp.dataDir, cloud: temp.cloud };
}
