import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  findPostgresBinaries,
  type LocalPostgres,
  OWNER_PID_FILE,
  processAlive,
  startLocalPostgres,
  stopServerWith,
  sweepStalePostgres,
} from "@tally/cli";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";

/** The pid of a process that has exited and been reaped: an owner that is gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  if (child.pid === undefined) throw new Error("could not start a child process");
  return child.pid;
}

const canConnect = async (url: string) => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

describe("the sweep of throwaway PostgreSQL clusters left behind", () => {
  const started: LocalPostgres[] = [];
  afterEach(async () => {
    for (const server of started.splice(0)) await server.stop();
  });
  const binaries = findPostgresBinaries();
  const stopServer = (data: string) =>
    stopServerWith(binaries?.pgCtl ?? "pg_ctl", data, process.getuid?.() === 0 ? "postgres" : undefined);

  it("stops and removes a cluster whose owner is gone, and leaves one whose owner is alive", async () => {
    const orphan = await startLocalPostgres({ fast: true });
    const kept = await startLocalPostgres({ fast: true });
    started.push(orphan, kept);
    const postmasterPid = Number((await readFile(join(orphan.dir, "data", "postmaster.pid"), "utf8")).split("\n")[0]);
    expect(processAlive(postmasterPid)).toBe(true);
    // As if the bench that made it had been killed.
    await writeFile(join(orphan.dir, OWNER_PID_FILE), `${deadPid()}\n`);

    const actions = await sweepStalePostgres({ stopServer });

    expect(actions).toContainEqual({ kind: "stop-and-remove", dir: orphan.dir, postmasterPid });
    expect(actions.some((a) => a.dir === kept.dir && a.kind !== "keep")).toBe(false);
    expect(existsSync(orphan.dir)).toBe(false);
    await eventually(
      () => processAlive(postmasterPid),
      (alive) => !alive,
      { what: "the orphan's postmaster gone" },
    );
    expect(await canConnect(orphan.url)).toBe(false);
    expect(existsSync(kept.dir)).toBe(true);
    expect(await canConnect(kept.url)).toBe(true);
  }, 120_000);
});
