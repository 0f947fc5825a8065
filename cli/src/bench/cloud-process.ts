import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

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
    ...process.env,
    TALLY_DATA_DIR: options.dataDir,
    TALLY_HTTP_HOST: "127.0.0.1",
    TALLY_HTTP_PORT: "0",
    TALLY_CLOUD_MQTT_HOST: "127.0.0.1",
    TALLY_CLOUD_MQTT_PORT: "0",
    TALLY_LOG_LEVEL: "warn",
    ...options.env,
  };
  delete env.TALLY_DATABASE_URL;
  delete env.TALLY_CLOUD_MQTT_URL;
  if (options.env?.TALLY_DATABASE_URL !== undefined) env.TALLY_DATABASE_URL = options.env.TALLY_DATABASE_URL;
  // Node's own flags for the cloud, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it (not allowed in NODE_OPTIONS).
  const nodeArgs = (process.env.TALLY_BENCH_CLOUD_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, TALLY_BIN, "cloud"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderrTail: string[] = [];
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderrTail.push(chunk);
    if (stderrTail.length > 20) stderrTail.shift();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string | undefined>((resolve) => {
    let stdout = "";
    const timer = setTimeout(() => resolve(undefined), START_TIMEOUT_MS);
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      stdout += chunk;
      const line = stdout.split("\n").find((l) => l.includes('"event":"cloud-up"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { api: string }).api);
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  const pid = child.pid;
  if (url === undefined || pid === undefined) {
    child.kill("SIGKILL");
    throw new Error(`tally cloud did not start: ${stderrTail.join("").slice(-2000)}`);
  }
  return {
    pid,
    url,
    cpuMs: () => processCpuMs(pid),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** User + system CPU of a process, ms, from `/proc/<pid>/stat` (clock ticks of 1/100 s on Linux). */
async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10;
}
