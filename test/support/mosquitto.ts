/**
 * A real Mosquitto broker for integration tests, from the first source that
 * works: (a) `TALLY_TEST_MQTT_URL`; (b) a testcontainers container when a
 * Docker engine answers; (c) the locally installed `mosquitto` binary on a
 * free port with a throwaway configuration. In CI (`CI=true`) a missing
 * broker fails the run; elsewhere the test file skips with the reason.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { dockerAnswers } from "./docker.js";
import { freePort } from "./free-port.js";

export interface StartedMosquitto {
  /** `mqtt://host:port` */
  url: string;
  source: "env" | "container" | "local";
  stop(): Promise<void>;
}

export class MosquittoUnavailableError extends Error {
  override name = "MosquittoUnavailableError";
}

export async function startMosquitto(): Promise<StartedMosquitto> {
  const url = process.env.TALLY_TEST_MQTT_URL;
  if (url !== undefined && url !== "") return { url, source: "env", stop: async () => undefined };
  const reasons = ["TALLY_TEST_MQTT_URL is not set"];
  if (await dockerAnswers()) {
    try {
      return await fromContainer();
    } catch (error) {
      reasons.push(`testcontainers failed: ${(error as Error).message}`);
    }
  } else {
    reasons.push("no Docker engine answered");
  }
  const binary = findMosquitto();
  if (binary === undefined) {
    reasons.push("mosquitto not found on PATH or in /usr/sbin");
  } else {
    try {
      return await fromLocalBinary(binary);
    } catch (error) {
      reasons.push(`local mosquitto failed: ${(error as Error).message}`);
    }
  }
  throw new MosquittoUnavailableError(`no Mosquitto: ${reasons.join("; ")}`);
}

/** The broker, or why there is none. In CI an unavailable broker throws instead. */
export async function probeMosquitto(): Promise<StartedMosquitto | { unavailable: string }> {
  try {
    return await startMosquitto();
  } catch (error) {
    if (process.env.CI === "true" || !(error instanceof MosquittoUnavailableError)) throw error;
    return { unavailable: error.message };
  }
}

async function fromContainer(): Promise<StartedMosquitto> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const container = await new GenericContainer("eclipse-mosquitto:2")
    .withCopyContentToContainer([
      {
        content: "listener 1883 0.0.0.0\nallow_anonymous true\nmax_queued_messages 0\n",
        target: "/mosquitto/config/mosquitto.conf",
      },
    ])
    .withExposedPorts(1883)
    .withWaitStrategy(Wait.forListeningPorts())
    .start();
  return {
    url: `mqtt://${container.getHost()}:${container.getMappedPort(1883)}`,
    source: "container",
    stop: async () => {
      await container.stop();
    },
  };
}

function findMosquitto(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"].filter((d) => d !== "");
  return dirs.map((d) => join(d, "mosquitto")).find((p) => existsSync(p));
}

async function fromLocalBinary(binary: string): Promise<StartedMosquitto> {
  const local = await startLocalMosquittoWith(binary);
  return { url: local.url, source: "local", stop: local.stop };
}

/** A local Mosquitto that can be killed (SIGKILL) and started again on the same port: the fault suite's broker. */
export interface LocalMosquitto {
  url: string;
  /** kill -9, and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `kill`). */
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  stop(): Promise<void>;
}

/** Configuration on top of the test defaults, for a local Mosquitto. */
export interface LocalMosquittoOptions {
  /** Default true; false for a broker with a `password_file`. */
  allowAnonymous?: boolean;
  /** More `mosquitto.conf` lines, e.g. `password_file /tmp/x`, `acl_file /tmp/y`, `max_packet_size 270336`. */
  extraConfig?: string[];
}

/**
 * Starts the locally installed `mosquitto` (no persistence: a restart forgets every session and queued
 * message, as a crashed broker without a disk would). Throws MosquittoUnavailableError without the binary.
 */
export async function startLocalMosquitto(options: LocalMosquittoOptions = {}): Promise<LocalMosquitto> {
  const binary = findMosquitto();
  if (binary === undefined)
    throw new MosquittoUnavailableError("no Mosquitto: mosquitto not found on PATH or in /usr/sbin");
  return startLocalMosquittoWith(binary, options);
}

/** The `mosquitto_passwd` next to the broker, or undefined. */
export function findMosquittoPasswd(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin"].filter((d) => d !== "");
  return dirs.map((d) => join(d, "mosquitto_passwd")).find((p) => existsSync(p));
}

/** The local broker, or why there is none; in CI a missing one throws. */
export async function probeLocalMosquitto(
  options: LocalMosquittoOptions = {},
): Promise<LocalMosquitto | { unavailable: string }> {
  try {
    return await startLocalMosquitto(options);
  } catch (error) {
    if (process.env.CI === "true" || !(error instanceof MosquittoUnavailableError)) throw error;
    return { unavailable: error.message };
  }
}

async function startLocalMosquittoWith(binary: string, options: LocalMosquittoOptions = {}): Promise<LocalMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), "tally-mosquitto-"));
  const port = await freePort();
  const config = join(dir, "mosquitto.conf");
  // Mosquitto's default max_queued_messages silently drops QoS 1 messages to a slow subscriber; 0 = unbounded.
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      `allow_anonymous ${options.allowAnonymous ?? true}`,
      "persistence false",
      "max_queued_messages 0",
      "log_dest stderr",
      "log_type error",
      ...(process.getuid?.() === 0 ? ["user root"] : []),
      ...(options.extraConfig ?? []),
    ].join("\n"),
  );
  let child: ChildProcess | undefined;
  let stderr = "";
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const halt = async (signal: NodeJS.Signals) => {
    const current = child;
    if (current === undefined || !running()) return;
    const exited = new Promise((resolve) => current.once("exit", resolve));
    current.kill(signal);
    await exited;
  };
  const start = async () => {
    if (running()) throw new Error("mosquitto is already running");
    stderr = "";
    const started = spawn(binary, ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
    started.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child = started;
    await waitForPort(port, started, () => stderr);
  };
  const stop = async () => {
    await halt("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `mqtt://127.0.0.1:${port}`, kill: () => halt("SIGKILL"), start, stop };
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${stderr().trim()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not listen on ${port} within 10 s: ${stderr().trim()}`);
}
