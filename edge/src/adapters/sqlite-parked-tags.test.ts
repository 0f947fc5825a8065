import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { ParkedTag } from "../pipelines/tag-memory.js";
import { SqliteParkedTags } from "./sqlite-parked-tags.js";

const dirs: string[] = [];
const stores: SqliteParkedTags[] = [];
const storeFile = () => {
  const dir = mkdtempSync(join(tmpdir(), "tally-parked-"));
  dirs.push(dir);
  return join(dir, "parked-tags.db");
};
const open = (file: string, options: ConstructorParameters<typeof SqliteParkedTags>[1] = {}) => {
  const store = new SqliteParkedTags(file, options);
  stores.push(store);
  return store;
};
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 10, 22, 8);
const parked = (epc: string, lastAtMs: number, portalId = "portal-d1"): ParkedTag => ({
  portalId,
  epc,
  sinceMs: T0,
  lastAtMs,
  dwellMaxRssi: -62,
});

describe("SqliteParkedTags", () => {
  it("keeps parked tags across a reopen, the latest write of each, and forgets those that left", () => {
    const file = storeFile();
    const first = open(file);
    first.park(parked("A", T0 + 1000));
    first.park(parked("B", T0 + 1000));
    first.park(parked("A", T0 + 5000));
    first.park(parked("A", T0 + 5000, "portal-d2"));
    first.unpark("portal-d1", "B");
    // As a kill -9 would: no close, the file is simply opened again.
    const second = open(file);
    expect([...second.loadParked()]).toEqual([parked("A", T0 + 5000), parked("A", T0 + 5000, "portal-d2")]);
  });

  it("forgets tags not read for a while, measured against the newest read it has seen", () => {
    const file = storeFile();
    const first = open(file, { forgetAfterMs: 60_000 });
    first.park(parked("OLD", T0));
    first.park(parked("NEW", T0 + 120_000));
    const second = open(file, { forgetAfterMs: 60_000 });
    expect([...second.loadParked()].map((t) => t.epc)).toEqual(["NEW"]);
  });

  it("is bounded: past maxTags the tags read longest ago are forgotten", () => {
    const file = storeFile();
    const first = open(file, { maxTags: 10 });
    for (let i = 0; i < 2500; i++) first.park(parked(`T${i}`, T0 + i));
    expect(first.size).toBeLessThanOrEqual(10 + 1000);
    const second = open(file, { maxTags: 10 });
    expect([...second.loadParked()].map((t) => t.epc)).toEqual(Array.from({ length: 10 }, (_, i) => `T${2490 + i}`));
  });

  it("reports a failed write instead of throwing it into the pipeline", () => {
    const errors: Error[] = [];
    const store = open(storeFile(), { onError: (e) => errors.push(e) });
    // Another hand takes the table away: every write now fails, as on a broken disk.
    const other = new Database(store.file);
    other.exec("DROP TABLE parked_tags");
    other.close();
    expect(() => store.park(parked("A", T0))).not.toThrow();
    expect(() => store.unpark("portal-d1", "A")).not.toThrow();
    expect(errors).toHaveLength(2);
    expect(store.failures).toBe(2);
  });
});
