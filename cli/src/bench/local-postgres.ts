import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";
import { BENCH_POSTGRES_PREFIX, OWNER_PID_FILE, stopServerWith, sweepStalePostgres } from "./sweep-stale-postgres.js";

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster; `stop` deletes it. */
export interface LocalPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /** The cluster's folder: its data in `data/`, the pid of the process that made it in `owner.pid`. */
  dir: string;
  /**
   * Crashes the server (`pg_ctl stop -m immediate`: no checkpoint, clients cut), waits `downMs`,
   * and starts it again on the same port and data: what the fault suite does mid-stream.
   */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /**
   * Durability off (`fsync`, `synchronous_commit`, `full_page_writes`) for
   * tests that do not measure it; default on, as benchmarks need.
   */
  fast?: boolean;
}

/**
 * Starts the locally installed PostgreSQL (`initdb`, `pg_ctl` on PATH or in
 * /usr/lib/postgresql/<n>/bin) in a temporary folder on a free port, as the
 * `postgres` user when running as root (PostgreSQL refuses root). Used by the
 * ledger benchmark and by the test helpers (`test/support/postgres.ts`).
 * First it stops and removes the clusters left by processes that are gone
 * (`sweepStalePostgres`); it records its own pid in the new folder for that.
 */
export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const binaries = findPostgresBinaries();
  if (binaries === undefined) throw new Error("initdb/pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin");
  const asRoot = process.getuid?.() === 0;
  await sweepStalePostgres({
    stopServer: (data) => stopServerWith(binaries.pgCtl, data, asRoot ? "postgres" : undefined),
  });
  const dir = await mkdtemp(join(tmpdir(), BENCH_POSTGRES_PREFIX));
  const asPostgres = (file: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", file, ...args]) : run(file, args);
  const data = join(dir, "data");
  let started = false;
  const stop = async () => {
    if (started) {
      const mode = options.fast ? "immediate" : "fast";
      await asPostgres(binaries.pgCtl, ["-D", data, "-m", mode, "-w", "-t", "30", "stop"]).catch(() => undefined);
    }
    started = false;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(join(dir, OWNER_PID_FILE), `${process.pid}\n`);
    if (asRoot) {
      const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
      const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
      await chown(dir, uid, gid);
    }
    const initdbArgs = ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"];
    await asPostgres(binaries.initdb, options.fast ? [...initdbArgs, "--no-sync"] : initdbArgs);
    const port = await freePort();
    const serverOptions = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses=127.0.0.1",
      ...(options.fast ? ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"] : []),
    ].join(" ");
    const log = join(dir, "server.log");
    const start = () =>
      asPostgres(binaries.pgCtl, ["-D", data, "-l", log, "-o", serverOptions, "-w", "-t", "30", "start"]);
    await start();
    started = true;
    const restart = async (downMs: number) => {
      await asPostgres(binaries.pgCtl, ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"]);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    };
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, restart, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The locally installed `initdb` and `pg_ctl`, or undefined when there are none. */
export function findPostgresBinaries(): { initdb: string; pgCtl: string } | undefined {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  const versioned = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  for (const dir of [...dirs, ...versioned]) {
    const initdb = join(dir, "initdb");
    const pgCtl = join(dir, "pg_ctl");
    if (existsSync(initdb) && existsSync(pgCtl)) return { initdb, pgCtl };
  }
  return undefined;
}
