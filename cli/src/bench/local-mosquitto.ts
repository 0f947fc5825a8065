import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort } from "./free-port.js";

/** How long a started Mosquitto may take to accept connections, ms. */
const START_TIMEOUT_MS = 10_000;

/** A throwaway Mosquitto; `stop` ends it and deletes its folder. */
export interface LocalMosquitto {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The installed `mosquitto` (PATH, /usr/sbin, /usr/local/sbin), or undefined. */
export function findMosquitto(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"].filter((d) => d !== "");
  return dirs.map((d) => join(d, "mosquitto")).find((p) => existsSync(p));
}

/**
 * Starts the locally installed Mosquitto on a free loopback port, anonymous,
 * without persistence, and with no bound on queued QoS 1 messages (its
 * default bound drops them for a slow subscriber, which would flatter it).
 */
export async function startLocalMosquitto(): Promise<LocalMosquitto> {
  const binary = findMosquitto();
  if (binary === undefined) throw new Error("mosquitto not found on PATH or in /usr/sbin");
  const dir = await mkdtemp(join(tmpdir(), "tally-bench-mosquitto-"));
  const port = await freePort();
  const config = join(dir, "mosquitto.conf");
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      "max_queued_messages 0",
      "max_inflight_messages 0",
      "log_dest stderr",
      "log_type error",
      ...(process.getuid?.() === 0 ? ["user root"] : []),
    ].join("\n"),
  );
  const child: ChildProcess = spawn(binary, ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline || child.pid === undefined) {
      await stop();
      throw new Error(`mosquitto did not start: ${stderr.trim() || "no output"}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url: `mqtt://127.0.0.1:${port}`, pid: child.pid ?? 0, stop };
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
