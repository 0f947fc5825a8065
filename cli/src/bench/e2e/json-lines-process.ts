import { type ChildProcess, spawn } from "node:child_process";

/** A child process that reports on stdout in JSON lines (`{"event": …}`). */
export interface JsonLinesProcess {
  readonly pid: number;
  /**
   * Takes the first line whose `event` is `event` not taken yet (already come or to come); fails on a
   * `failed` line, an exit, or the timeout.
   */
  next(event: string, timeoutMs: number): Promise<Record<string, unknown>>;
  /** Writes one JSON line to its stdin: a job for a long-lived child. */
  send(message: unknown): void;
  /** SIGTERM, and resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts `node <args>` with `env` and reads its stdout as JSON lines; its stderr tail goes into failures. */
export function spawnJsonLines(args: string[], env: NodeJS.ProcessEnv): JsonLinesProcess {
  const child: ChildProcess = spawn(process.execPath, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const stderrTail: string[] = [];
  let stdout = "";
  let exited = false;
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    stdout += chunk;
    const parts = stdout.split("\n");
    stdout = parts.pop() ?? "";
    for (const part of parts) {
      try {
        const line: unknown = JSON.parse(part);
        if (typeof line === "object" && line !== null) lines.push(line as Record<string, unknown>);
      } catch {
        // Not a report line.
      }
    }
    wake();
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderrTail.push(chunk);
    if (stderrTail.length > 10) stderrTail.shift();
  });
  const gone = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      wake();
      resolve();
    }),
  );
  if (child.pid === undefined) throw new Error(`could not start node ${args.join(" ")}`);
  const pid = child.pid;
  return {
    pid,
    next: (event, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`no '${event}' from ${args[1] ?? args[0]} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        const finish = (error?: Error, line?: Record<string, unknown>) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error !== undefined) reject(error);
          else resolve(line ?? {});
        };
        const check = () => {
          const at = lines.findIndex((l) => l.event === event);
          if (at >= 0) return finish(undefined, lines.splice(at, 1)[0]);
          const failed = lines.find((l) => l.event === "failed");
          if (failed !== undefined) return finish(new Error(`${args[1] ?? ""} failed: ${String(failed.message)}`));
          if (exited) finish(new Error(`${args.slice(1, 2).join(" ")} exited: ${stderrTail.join("").slice(-500)}`));
        };
        waiters.add(check);
        check();
      }),
    send: (message) => {
      child.stdin?.write(`${JSON.stringify(message)}\n`);
    },
    stop: async () => {
      if (!exited) child.kill("SIGTERM");
      await gone;
    },
  };
}
