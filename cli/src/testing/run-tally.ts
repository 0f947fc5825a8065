import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../../bin/tally.js", import.meta.url));

/** What one run of the CLI gave: its exit status, its output, and stdout's JSON lines. */
export interface TallyRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's lines that are JSON objects (the CLI's machine-readable output); other lines left out. */
  lines: Record<string, unknown>[];
}

/** Runs `tally <args>` in a child process with `env` over this one's (logs at warn), and never throws on its exit status. */
export async function runTally(env: NodeJS.ProcessEnv, ...args: string[]): Promise<TallyRun> {
  let result: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, TALLY_LOG_LEVEL: "warn", ...env },
      timeout: 60_000,
    });
    result = { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    result = { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
  const lines = result.stdout.split("\n").flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? [value as Record<string, unknown>]
        : [];
    } catch {
      return [];
    }
  });
  return { ...result, lines };
}
