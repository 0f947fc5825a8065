import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteTelemetryStore } from "@tally/cloud";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { telemetryStoreContract } from "./telemetry-store-contract.js";

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tally-sqlite-telemetry-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

telemetryStoreContract("sqlite", async () => {
  count += 1;
  return new SqliteTelemetryStore(join(root, `telemetry-${count}.db`));
});

describe("SQLite telemetry store: a file from before summaries", () => {
  it("counts its readings as one each", async () => {
    const file = join(root, "before-summaries.db");
    const db = new BetterSqlite3(file);
    db.exec(`CREATE TABLE readings (id TEXT PRIMARY KEY, site_id TEXT NOT NULL, device_id TEXT NOT NULL,
      metric TEXT NOT NULL, unit TEXT NOT NULL, location TEXT, zone TEXT, at_ms INTEGER NOT NULL, value REAL NOT NULL)`);
    const t0 = Math.floor((Date.now() - 3_600_000) / 3_600_000) * 3_600_000;
    const insert = db.prepare(
      "INSERT INTO readings VALUES (?, 'S1', 'T1', 'temperature', 'Cel', 'S1/COLD/B1', 'COLD', ?, ?)",
    );
    insert.run("a", t0 + 1000, 2);
    insert.run("b", t0 + 2000, 6);
    db.close();

    const store = new SqliteTelemetryStore(file);
    await store.write([
      {
        id: "c",
        siteId: "S1",
        deviceId: "T1",
        metric: "temperature",
        unit: "Cel",
        location: "S1/COLD/B1",
        at: new Date(t0 + 3000).toISOString(),
        value: 3,
        summary: { periodS: 60, min: 1, max: 5, count: 2 },
      },
    ]);
    const result = await store.query({ fromMs: t0, toMs: t0 + 60_000, window: "1m", limit: 10 });
    expect(result.window === "1m" && result.buckets.map((b) => [b.min, b.max, b.mean, b.count])).toEqual([
      [1, 6, (2 + 6 + 3 * 2) / 4, 4],
    ]);
    await store.close();
  });
});
