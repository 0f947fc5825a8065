import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Telemetry } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteTelemetryStore } from "../adapters/sqlite-telemetry-store.js";
import { batch, bearer, silentLogger, TEST_TOKENS, testApp } from "../testing/fixtures.js";
import { TelemetryForwarder } from "./telemetry-forwarder.js";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

function reading(atMs: number, value: number, overrides: Partial<Telemetry> = {}): Telemetry {
  return {
    kind: "telemetry",
    id: randomUUID(),
    siteId: "S1",
    occurredAt: iso(atMs),
    deviceId: "temp-1",
    metric: "temperature",
    value,
    unit: "Cel",
    location: "S1/COLD/01",
    ...overrides,
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), "tally-forwarder-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "telemetry.db");
  let telemetry = new SqliteTelemetryStore(file);
  cleanups.push(() => telemetry.close());
  const { app, store, dispose } = await testApp();
  cleanups.push(dispose);
  let seq = 0;
  const ingest = async (events: Telemetry[]) => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/ingest",
      headers: bearer(TEST_TOKENS.edge),
      payload: batch(events, { seq: seq++ }),
    });
    expect(res.json().status).toBe("committed");
  };
  const forward = (pageSize = 3) => {
    const counts = { forwarded: 0, rejected: [] as string[], failed: 0 };
    const forwarder = new TelemetryForwarder({
      ledger: store,
      store: telemetry,
      logger: silentLogger(),
      pageSize,
      idleMs: 20,
      observer: {
        forwarded: (n) => {
          counts.forwarded += n;
        },
        rejected: (code) => counts.rejected.push(code),
        failed: () => {
          counts.failed += 1;
        },
      },
    });
    forwarder.start();
    cleanups.push(() => forwarder.close());
    return { forwarder, counts };
  };
  const reopen = async () => {
    await telemetry.close();
    telemetry = new SqliteTelemetryStore(file);
  };
  const stored = async () => {
    const result = await telemetry.query({ fromMs: T0, toMs: T0 + 3_600_000, window: "raw", limit: 10_000 });
    return result.window === "raw" ? result.points.map((p) => p.value) : [];
  };
  return { ingest, forward, stored, reopen, telemetry: () => telemetry };
}

async function until(probe: () => Promise<boolean>) {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("condition not reached within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("TelemetryForwarder", () => {
  it("copies committed telemetry to the telemetry store page by page and keeps its cursor there", async () => {
    const t = await setUp();
    await t.ingest([1, 2, 3, 4, 5].map((v) => reading(T0 + v * 1000, v)));
    const { forwarder, counts } = t.forward();
    await until(async () => (await t.stored()).length === 5);
    expect(await t.stored()).toEqual([1, 2, 3, 4, 5]);
    // New commits after it caught up arrive too; nudge says so without waiting for the idle poll.
    await t.ingest([reading(T0 + 6000, 6)]);
    forwarder.nudge();
    await until(async () => (await t.stored()).length === 6);
    expect(counts.forwarded).toBe(6);
    await forwarder.close();
    expect(await t.telemetry().cursor()).toBeDefined();
  });

  it("goes on from its cursor after a restart: nothing twice, nothing missed", async () => {
    const t = await setUp();
    await t.ingest([reading(T0 + 1000, 1), reading(T0 + 2000, 2)]);
    const first = t.forward();
    await until(async () => (await t.stored()).length === 2);
    await first.forwarder.close();
    await t.reopen();
    await t.ingest([reading(T0 + 3000, 3)]);
    const second = t.forward();
    await until(async () => (await t.stored()).length === 3);
    expect(await t.stored()).toEqual([1, 2, 3]);
    // Only the new row was read and written by the second forwarder.
    expect(second.counts.forwarded).toBe(1);
  });

  it("skips and counts what the telemetry store can never keep, and forwards the rest", async () => {
    const t = await setUp();
    // The wire schema lets a control character through in a device id; InfluxDB's line protocol would not.
    await t.ingest([reading(T0 + 1000, 1), reading(T0 + 2000, 2, { deviceId: "temp\n2" }), reading(T0 + 3000, 3)]);
    const { counts } = t.forward();
    await until(async () => (await t.stored()).length === 2);
    expect(await t.stored()).toEqual([1, 3]);
    expect(counts.rejected).toEqual(["TALLY_ERR_TELEMETRY_INVALID"]);
  });
});

describe("TelemetryForwarder on a ledger whose row order is not its commit order", () => {
  it("forwards a row that became visible behind the cursor, within settleMs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tally-forwarder-settle-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const telemetry = new SqliteTelemetryStore(join(dir, "telemetry.db"));
    cleanups.push(() => telemetry.close());
    // An in-process fake of the ledger port: rows in `seq` order, one of them committed late (as on
    // PostgreSQL, where a transaction takes its seq before it commits).
    const rows = [
      { seq: 1, visible: true, t: reading(T0 + 1000, 1) },
      { seq: 2, visible: false, t: reading(T0 + 2000, 2) },
      { seq: 3, visible: true, t: reading(T0 + 3000, 3) },
    ];
    const ledger = {
      telemetry: async (q: { after?: string; limit: number }) => {
        const afterSeq = rows.find((r) => r.t.id === q.after)?.seq ?? 0;
        return rows
          .filter((r) => r.visible && r.seq > afterSeq)
          .slice(0, q.limit)
          .map((r) => r.t);
      },
    };
    const forwarder = new TelemetryForwarder({
      ledger,
      store: telemetry,
      logger: silentLogger(),
      idleMs: 10,
      settleMs: 100,
    });
    forwarder.start();
    cleanups.push(() => forwarder.close());
    const stored = async () => {
      const result = await telemetry.query({ fromMs: T0, toMs: T0 + 3_600_000, window: "raw", limit: 100 });
      return result.window === "raw" ? result.points.map((p) => p.value) : [];
    };
    await until(async () => (await stored()).length === 2);
    const late = rows[1];
    if (late === undefined) throw new Error("no late row");
    late.visible = true;
    await until(async () => (await stored()).length === 3);
    expect(await stored()).toEqual([1, 2, 3]);
    // The saved cursor settles on the last row once it is older than settleMs.
    await until(async () => (await telemetry.cursor()) === rows[2]?.t.id);
  });
});
