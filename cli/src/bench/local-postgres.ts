import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster for benchmarks; `stop` deletes it. */
export interface LocalPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the locally installed PostgreSQL (`initdb`, `pg_ctl` on PATH or in
 * /usr/lib/postgresql/<n>/bin) in a temporary folder on a free port, as the
 * `postgres` user when running as root (PostgreSQL refuses root). The same
 * approach as `test/support/postgres.ts`, kept here because nothing imports
 * `test/`. Durability settings are the server's defaults (fsync on).
 */
export async function startLocalPostgres(): Promise<LocalPostgres> {
  const binaries = findBinaries();
  if (binaries === undefined) throw new Error("initdb/pg_ctl not found: set TALLY_BENCH_DATABASE_URL");
  const dir = await mkdtemp(join(tmpdir(), "tally-bench-pg-"));
  const asRoot = process.getuid?.() === 0;
  const asPostgres = (file: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", file, ...args]) : run(file, args);
  const data = join(dir, "data");
  let started = false;
  const stop = async () => {
    if (started) await asPostgres(binaries.pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]).catch(() => undefined);
    started = false;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (asRoot) {
      const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
      const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
      await chown(dir, uid, gid);
    }
    await asPostgres(binaries.initdb, ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"]);
    const port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
    await asPostgres(binaries.pgCtl, ["-D", data, "-l", join(dir, "server.log"), "-o", options, "-w", "start"]);
    started = true;
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function findBinaries(): { initdb: string; pgCtl: string } | undefined {
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
