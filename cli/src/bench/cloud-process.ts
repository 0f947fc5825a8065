import { fileURLToPath } from "node:url";
import { spawnJsonLines } from "./e2e/json-lines-process.js";
import { readProcessStats } from "./e2e/process-stats.js";

const TALLY_BIN = fileURLToPath(new URL("../../bin/tally.js", import.meta.url));
/** How long a started cloud may take to say it is up, ms (tsx compiles on first start). */
const START_TIMEOUT_MS = 60_000;

export interface CloudProcess {
  readonly pid: number;
  /** The API's base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** CPU time the process has used so far, ms (user + system, from /proc). */
  cpuMs(): Promise<number>;
  /** SIGTERM and wait for the exit. */
  close(): Promise<void>;
}

/**
 * `tally cloud` in a process of its own, as it runs in production, on the
 * given data folder and extra environment (its API and broker on ports the
 * OS picks); resolves once it reports `cloud-up`. A benchmark's client in
 * this process then takes nothing from the cloud's thread.
 */
export async function spawnCloudProcess(options: {
  dataDir: string;
  env?: Readonly<Record<string, string>>;
}): Promise<CloudProcess> {
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("TALLY_"))),
    TALLY_DATA_DIR: options.dataDir,
    TALLY_HTTP_HOST: "127.0.0.1",
    TALLY_HTTP_PORT: "0",
    TALLY_CLOUD_MQTT_HOST: "127.0.0.1",
    TALLY_CLOUD_MQTT_PORT: "0",
    TALLY_LOG_LEVEL: "warn",
    ...options.env,
  };
  // Node's own flags for the cloud, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it (not allowed in NODE_OPTIONS).
  const nodeArgs = (process.env.TALLY_BENCH_CLOUD_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const child = spawnJsonLines([...nodeArgs, TALLY_BIN, "cloud"], env);
  try {
    const up = await child.next("cloud-up", START_TIMEOUT_MS);
    return {
      pid: child.pid,
      url: String(up.api),
      cpuMs: async () => (await readProcessStats(child.pid)).cpuMs,
      close: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
