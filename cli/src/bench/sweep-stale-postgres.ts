import { execFile } from "node:child_process";
import { readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BenchClusterFacts, pidIn, type SweepAction, sweepActionFor } from "./stale-postgres.js";

const run = promisify(execFile);

/** The prefix of a throwaway cluster's folder in the temporary folder (`startLocalPostgres`). */
export const BENCH_POSTGRES_PREFIX = "tally-bench-pg-";
/** The file in a throwaway cluster's folder naming the process that made it. */
export const OWNER_PID_FILE = "owner.pid";

/** True when a process with this pid exists (one of another user's counts too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const readOrUndefined = (file: string) => readFile(file, "utf8").catch(() => undefined);

/** Whether `pid` is a postgres serving the data in `data` (Linux: its command line names the folder). */
async function postgresServes(pid: number, data: string): Promise<boolean> {
  if (!processAlive(pid)) return false;
  const cmdline = await readOrUndefined(`/proc/${pid}/cmdline`);
  if (cmdline === undefined) return false;
  const args = cmdline.split("\0");
  return /postgres/.test(args[0] ?? "") && args.includes(data);
}

async function factsOf(dir: string): Promise<BenchClusterFacts> {
  const data = join(dir, "data");
  const ownerPid = pidIn(await readOrUndefined(join(dir, OWNER_PID_FILE)));
  const postmasterPid = pidIn(await readOrUndefined(join(data, "postmaster.pid")));
  return {
    dir,
    ownerPid,
    ownerAlive: ownerPid !== undefined && processAlive(ownerPid),
    postmasterPid,
    postmasterRunsHere: postmasterPid !== undefined && (await postgresServes(postmasterPid, data)),
  };
}

export interface SweepOptions {
  /** Where the clusters' folders are; default the temporary folder. */
  root?: string;
  /** Stops the server on `data` at once (`pg_ctl stop -m immediate`, as the postgres user when root). */
  stopServer: (data: string) => Promise<void>;
}

/**
 * Stops and removes the throwaway clusters whose bench (or test) process is
 * gone: a bench killed or timed out never ran its `stop`. Clusters whose
 * owner is alive, or that name no owner, are left alone. A cluster that
 * cannot be stopped is left too (its data stays under a running server).
 * Returns what it did to each folder; never throws.
 */
export async function sweepStalePostgres(options: SweepOptions): Promise<SweepAction[]> {
  const root = options.root ?? tmpdir();
  const names = await readdir(root).catch(() => [] as string[]);
  const actions: SweepAction[] = [];
  for (const name of names.filter((n) => n.startsWith(BENCH_POSTGRES_PREFIX))) {
    const action = sweepActionFor(await factsOf(join(root, name)));
    try {
      if (action.kind === "stop-and-remove") await options.stopServer(join(action.dir, "data"));
      if (action.kind !== "keep") await rm(action.dir, { recursive: true, force: true });
      actions.push(action);
    } catch {
      // Another sweep got there first, or the server would not stop: the next start looks again.
    }
  }
  return actions;
}

/** `pg_ctl stop -m immediate` of the server on `data`, as `runAs` when given. */
export async function stopServerWith(pgCtl: string, data: string, runAs: string | undefined): Promise<void> {
  const args = ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"];
  await (runAs === undefined ? run(pgCtl, args) : run("runuser", ["-u", runAs, "--", pgCtl, ...args]));
}
