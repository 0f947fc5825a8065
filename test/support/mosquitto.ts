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
  const dir = await mkdtemp(join(tmpdir(), "tally-mosquitto-"));
  const port = await freePort();
  const config = join(dir, "mosquitto.conf");
  // DESIGN.md: the default max_queued_messages silently drops QoS 1 messages to a slow subscriber; 0 = unbounded.
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      "max_queued_messages 0",
      "log_dest stderr",
      "log_type error",
      ...(process.getuid?.() === 0 ? ["user root"] : []),
    ].join("\n"),
  );
  const child: ChildProcess = spawn(binary, ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `mqtt://127.0.0.1:${port}`, source: "local", stop };
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
