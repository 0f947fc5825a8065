import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { WalSyncer } from "./wal-syncer.js";

describe("WalSyncer", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const tempDb = async () => {
    const dir = await mkdtemp(join(tmpdir(), "tally-wal-"));
    dirs.push(dir);
    return join(dir, "x.db");
  };

  it("syncs a database's WAL file, and has nothing to do before there is one", async () => {
    const file = await tempDb();
    const syncer = new WalSyncer(file);
    await expect(syncer.sync()).resolves.toBeUndefined();
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (v INTEGER)");
    await expect(Promise.all([syncer.sync(), syncer.sync()])).resolves.toEqual([undefined, undefined]);
    syncer.close();
    db.close();
  });

  it("refuses to sync once closed", async () => {
    const syncer = new WalSyncer(await tempDb());
    syncer.close();
    await expect(syncer.sync()).rejects.toThrow(/sync after close/);
  });

  it("fails a sync it cannot make instead of saying the data is durable", async () => {
    const file = await tempDb();
    writeFileSync(file, "not a folder");
    // The WAL file's folder is a file: not "no WAL yet" (ENOENT) but an error to report.
    const syncer = new WalSyncer(join(file, "x.db"));
    await expect(syncer.sync()).rejects.toThrow(/ENOTDIR/);
    syncer.close();
  });
});
