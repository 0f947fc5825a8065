/**
 * A throwaway InfluxDB 1.x: the locally installed `influxd` with its data in
 * a temporary folder. InfluxDB 1.x cannot be told to pick its own ports, so
 * free ones are found by binding and the start is retried on a collision.
 * Used by the telemetry benchmark and by the test helpers
 * (`test/support/influxdb.ts`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort } from "./free-port.js";

/** A local influxd that can be stopped and started again on the same ports and data: an outage. */
export interface LocalInflux {
  /** `http://host:port`, without a database. */
  url: string;
  source: "local";
  /** A URL naming a fresh database (the store creates it): one per test keeps them apart. */
  database(name: string): string;
  /** SIGTERM, and deletes its folder. */
  stop(): Promise<void>;
  /** kill -9, and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it again (after `kill`) on the same ports and data. */
  start(): Promise<void>;
  /** The running influxd's process id (its CPU time is in /proc), undefined while it is down. */
  pid(): number | undefined;
}

/** No influxd on this machine. */
export class InfluxUnavailableError extends Error {
  override name = "InfluxUnavailableError";
}

const ATTEMPTS = 5;

function findInfluxd(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin"].filter((d) => d !== "");
  return dirs.map((d) => join(d, "influxd")).find((p) => existsSync(p));
}

export async function startLocalInflux(): Promise<LocalInflux> {
  const binary = findInfluxd();
  if (binary === undefined)
    throw new InfluxUnavailableError("no InfluxDB: TALLY_TEST_INFLUX_URL is not set and influxd is not on PATH");
  const dir = await mkdtemp(join(tmpdir(), "tally-influxd-"));
  const failures: string[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const [httpPort, rpcPort] = [await freePort(), await freePort()];
    const config = join(dir, "influxdb.conf");
    await writeFile(
      config,
      [
        "reporting-disabled = true",
        `bind-address = "127.0.0.1:${rpcPort}"`,
        "[meta]",
        `  dir = "${join(dir, "meta")}"`,
        "[data]",
        `  dir = "${join(dir, "data")}"`,
        `  wal-dir = "${join(dir, "wal")}"`,
        "  query-log-enabled = false",
        "[http]",
        `  bind-address = "127.0.0.1:${httpPort}"`,
        "  log-enabled = false",
        "[monitor]",
        "  store-enabled = false",
        "[continuous_queries]",
        "  log-enabled = false",
        // Every second instead of every minute's worth: tests see rollups without waiting minutes.
        '  run-interval = "1s"',
      ].join("\n"),
    );
    const url = `http://127.0.0.1:${httpPort}`;
    let child: ChildProcess | undefined;
    let output = "";
    const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
    const halt = async (signal: NodeJS.Signals) => {
      const current = child;
      if (current === undefined || !running()) return;
      const exited = new Promise((resolve) => current.once("exit", resolve));
      current.kill(signal);
      await exited;
    };
    const start = async () => {
      if (running()) throw new Error("influxd is already running");
      output = "";
      const started = spawn(binary, ["run", "-config", config], { stdio: ["ignore", "ignore", "pipe"] });
      started.stderr?.on("data", (chunk: Buffer) => {
        // Only the tail matters for a failure message.
        output = (output + chunk.toString()).slice(-4000);
      });
      child = started;
      await waitForPing(url, started, () => output);
    };
    try {
      await start();
      return {
        url,
        source: "local",
        database: (name) => `${url}/${name}`,
        kill: () => halt("SIGKILL"),
        start,
        pid: () => (running() ? child?.pid : undefined),
        stop: async () => {
          await halt("SIGTERM");
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      await halt("SIGKILL");
      failures.push((error as Error).message);
      // Another process took a port between freePort and influxd's bind: new ports, another go.
      if (!/address already in use/i.test(output)) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`influxd did not start: ${failures.join("; ")}`);
}

async function waitForPing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}: ${output().trim()}`);
    const up = await fetch(`${url}/ping`).then(
      (r) => r.status === 204,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`influxd did not answer ${url}/ping within 20 s: ${output().trim().slice(-1000)}`);
}
