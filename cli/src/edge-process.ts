import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { scrapeMetrics } from "./prometheus-text.js";

const TALLY_BIN = fileURLToPath(new URL("../bin/tally.js", import.meta.url));
/** How long a started edge may take to say it is up, ms (tsx compiles on first start). */
const START_TIMEOUT_MS = 60_000;

export interface EdgeProcessOptions {
  siteFile: string;
  edgeId: string;
  dataDir: string;
  /** The embedded device broker's port: the same across restarts, so devices reconnect to it. */
  devicePort: number;
  metricsPort: number;
  uplinkMqttUrl: string;
  cloudUrl: string;
  /** The edge's credential at the cloud (TALLY_CLOUD_TOKEN). */
  cloudToken?: string | undefined;
  referencePollMs?: number | undefined;
  shelfSettleMs?: number | undefined;
  /** Lines the child writes to stderr (its logs), for the parent's logger. */
  onLog?: (line: string) => void;
  /** More `TALLY_*` settings, over the ones above (the e2e benchmark runs it in production mode with device credentials). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Node's own flags for the child, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (not allowed in NODE_OPTIONS). */
  nodeArgs?: readonly string[] | undefined;
}

/** `tally edge` in a process of its own: what a scenario kills with SIGKILL to play a crash. */
export interface EdgeProcess {
  readonly pid: number;
  readonly deviceMqttUrl: string;
  readonly metricsUrl: string;
  /** The edge's Prometheus metrics, by name (labels dropped, values summed). */
  scrape(): Promise<Map<string, number>>;
  /** kill -9: no handler runs, nothing is flushed. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (a port the OS just handed out and took back). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `tally edge` as a child process and resolves once it reports `edge-up`. */
export async function spawnEdgeProcess(options: EdgeProcessOptions): Promise<EdgeProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TALLY_SITE_FILE: options.siteFile,
    TALLY_EDGE_ID: options.edgeId,
    TALLY_DATA_DIR: options.dataDir,
    TALLY_EDGE_MQTT_HOST: "127.0.0.1",
    TALLY_EDGE_MQTT_PORT: String(options.devicePort),
    // Simulated devices connect without credentials, and simulated shelves speak None/anonymous:
    // development mode, on the loopback only.
    TALLY_MODE: "development",
    TALLY_EDGE_METRICS_HOST: "127.0.0.1",
    TALLY_EDGE_METRICS_PORT: String(options.metricsPort),
    TALLY_UPLINK_TRANSPORT: "mqtt",
    TALLY_UPLINK_MQTT_URL: options.uplinkMqttUrl,
    TALLY_CLOUD_URL: options.cloudUrl,
    ...(options.cloudToken !== undefined && { TALLY_CLOUD_TOKEN: options.cloudToken }),
    ...(options.referencePollMs !== undefined && { TALLY_REFERENCE_POLL_MS: String(options.referencePollMs) }),
    ...(options.shelfSettleMs !== undefined && { TALLY_SHELF_SETTLE_MS: String(options.shelfSettleMs) }),
    ...options.env,
  };
  // The embedded device broker, whatever this process was given.
  delete env.TALLY_EDGE_MQTT_URL;
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), TALLY_BIN, "edge"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderrTail: string[] = [];
  let stderrBuffer = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderrBuffer += chunk;
    const lines = stderrBuffer.split("\n");
    stderrBuffer = lines.pop() ?? "";
    for (const line of lines) {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      options.onLog?.(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const up = await new Promise<boolean>((resolve) => {
    let stdout = "";
    const timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('"event":"edge-up"')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!up || child.pid === undefined) {
    child.kill("SIGKILL");
    throw new Error(`the edge process did not start: ${stderrTail.slice(-5).join(" | ") || "no output"}`);
  }
  const metricsUrl = `http://127.0.0.1:${options.metricsPort}/metrics`;
  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  return {
    pid: child.pid,
    deviceMqttUrl: `mqtt://127.0.0.1:${options.devicePort}`,
    metricsUrl,
    scrape: () => scrapeMetrics(metricsUrl),
    kill: () => stop("SIGKILL"),
    close: () => stop("SIGTERM"),
  };
}
