/**
 * `tally edge` or `tally cloud` as a real child process (`node cli/bin/tally.js …`),
 * configured by TALLY_* variables, restartable on the same data folder and
 * ports, and killable with a real SIGKILL: what the fault suite crashes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Starts refused with EADDRINUSE are tried again this often, this long apart (a port held for a moment). */
const BIND_ATTEMPTS = 40;
const BIND_RETRY_MS = 250;
const CLI_BIN = fileURLToPath(new URL("../../../cli/bin/tally.js", import.meta.url));
/** A cold start through tsx takes a few seconds on a busy 2-core machine; this is the ceiling. */
const READY_TIMEOUT_MS = 60_000;

export type TallyKind = "edge" | "cloud";

export interface TallyProcessOptions {
  kind: TallyKind;
  /** TALLY_* configuration; the test runner's own TALLY_* variables are not inherited. */
  env: Record<string, string>;
  /** The child's stderr (its JSON logs) is appended here. */
  logFile: string;
  /** Extra `node` arguments before the CLI, e.g. `--import` of a preload. */
  nodeArgs?: string[];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class TallyProcess {
  #child: ChildProcess | undefined;
  #exit: Promise<Exit> | undefined;
  #env: Record<string, string>;
  /** Times this process has been started. */
  starts = 0;

  constructor(private readonly options: TallyProcessOptions) {
    this.#env = { ...options.env };
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /**
   * Starts the process (with `env` merged over its configuration, kept for later
   * restarts) and resolves with its `<kind>-up` line once it serves.
   */
  async start(env: Record<string, string | undefined> = {}): Promise<Record<string, unknown>> {
    // A restart binds the ports it had; in the moment it was down another process may have taken one as
    // its outgoing port. Such a start fails at once with EADDRINUSE in the log: try again until it is free.
    for (let attempt = 1; ; attempt++) {
      const logBytes = this.#logSize();
      try {
        return await this.#startOnce(env);
      } catch (error) {
        const logged = readFileSync(this.options.logFile, "utf8").slice(logBytes);
        if (attempt >= BIND_ATTEMPTS || !logged.includes("EADDRINUSE")) throw error;
        await new Promise((resolve) => setTimeout(resolve, BIND_RETRY_MS));
      }
    }
  }

  #logSize(): number {
    try {
      return statSync(this.options.logFile).size;
    } catch {
      return 0;
    }
  }

  async #startOnce(env: Record<string, string | undefined>): Promise<Record<string, unknown>> {
    if (this.running) throw new Error(`${this.options.kind} is already running (pid ${this.pid})`);
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete this.#env[key];
      else this.#env[key] = value;
    }
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("TALLY_")));
    const log = openSync(this.options.logFile, "a");
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), CLI_BIN, this.options.kind], {
      env: { ...inherited, TALLY_LOG_LEVEL: process.env.TALLY_TEST_LOG ?? "warn", ...this.#env },
      stdio: ["ignore", "pipe", log],
    });
    closeSync(log);
    this.#child = child;
    this.starts += 1;
    this.#exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    const exit = this.#exit;
    return new Promise((resolve, reject) => {
      let buffered = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(
          new Error(`${this.options.kind} did not start within ${READY_TIMEOUT_MS} ms; see ${this.options.logFile}`),
        );
      }, READY_TIMEOUT_MS);
      child.stdout?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          let parsed: unknown;
          try {
            parsed = JSON.parse(line);
          } catch {
            continue;
          }
          if (typeof parsed === "object" && parsed !== null && "event" in parsed) {
            if (parsed.event === `${this.options.kind}-up`) {
              clearTimeout(timer);
              resolve(parsed as Record<string, unknown>);
            }
          }
        }
      });
      void exit.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(`${this.options.kind} exited (${code ?? signal}) before serving; see ${this.options.logFile}`),
        );
      });
    });
  }

  /** kill -9, and wait until the process is gone. */
  async kill9(): Promise<Exit | undefined> {
    const child = this.#child;
    if (child === undefined || !this.running) return this.#exit;
    child.kill("SIGKILL");
    return this.#exit;
  }

  /** SIGTERM (a clean shutdown), SIGKILL if it takes longer than 15 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await this.#exit;
    clearTimeout(timer);
  }

  /** Resolves when the running process exits by itself (e.g. a failpoint), within `timeoutMs`. */
  async exited(timeoutMs: number): Promise<Exit> {
    const exit = this.#exit;
    if (exit === undefined) throw new Error(`${this.options.kind} was never started`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.options.kind} still running after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
