import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Telemetry } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";
import { InfluxTelemetryStore } from "../adapters/influx-telemetry-store.js";
import { SqliteTelemetryStore } from "../adapters/sqlite-telemetry-store.js";
import { closedPort } from "../testing/closed-port.js";
import { batch, bearer, silentLogger, TEST_TOKENS, testApp } from "../testing/fixtures.js";
import { TelemetryForwarder, telemetryPoint } from "./telemetry-forwarder.js";
import type { TelemetryPoint } from "./telemetry-store.js";

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
    const counts = { forwarded: 0, rejected: [] as string[], failed: 0, shed: 0 };
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
        shed: (n) => {
          counts.shed += n;
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
  return { ingest, forward, stored, reopen, telemetry: () => telemetry, ledger: store };
}

async function until(probe: () => Promise<boolean>) {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("condition not reached within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("TelemetryForwarder", () => {
  it("moves committed telemetry to the telemetry store page by page and empties the ledger's hand-off", async () => {
    const t = await setUp();
    // Three batches, three hand-off rows; pages of 3 readings take whole rows: [1, 2] and [3], then [4, 5].
    for (const values of [[1, 2], [3], [4, 5]]) await t.ingest(values.map((v) => reading(T0 + v * 1000, v)));
    expect((await t.ledger.pendingTelemetry(100)).map((r) => r.telemetry.length)).toEqual([2, 1, 2]);
    const { forwarder, counts } = t.forward();
    await until(async () => (await t.stored()).length === 5);
    expect(await t.stored()).toEqual([1, 2, 3, 4, 5]);
    // New commits after it caught up arrive too; nudge says so without waiting for the idle poll.
    await t.ingest([reading(T0 + 6000, 6)]);
    forwarder.nudge();
    await until(async () => (await t.stored()).length === 6);
    await until(async () => (await t.ledger.pendingTelemetry(100)).length === 0);
    expect(counts.forwarded).toBe(6);
  });

  it("forwards a batch larger than a page whole, as one page of its one row", async () => {
    const t = await setUp();
    await t.ingest([1, 2, 3, 4, 5].map((v) => reading(T0 + v * 1000, v)));
    expect((await t.ledger.pendingTelemetry(3)).map((r) => r.telemetry.length)).toEqual([5]);
    const { counts } = t.forward(3);
    await until(async () => (await t.ledger.pendingTelemetry(100)).length === 0);
    expect(await t.stored()).toEqual([1, 2, 3, 4, 5]);
    expect(counts.forwarded).toBe(5);
  });

  it("keeps summaries and excursion-window readings whole through the hand-off", async () => {
    const t = await setUp();
    await t.ingest([
      reading(T0, 4, { summary: { periodS: 60, min: 2, max: 7, count: 6 } }),
      reading(T0 + 1000, 7, { excursionWindow: true }),
    ]);
    t.forward();
    await until(async () => (await t.stored()).length === 2);
    const result = await t.telemetry().query({ fromMs: T0, toMs: T0 + 60_000, window: "raw", limit: 10 });
    expect(result.window === "raw" && result.points.map((p) => [p.value, p.count, p.detail])).toEqual([
      [4, 6, undefined],
      [7, undefined, true],
    ]);
  });

  it("after a crash between the write and the hand-off's delete, writes the page again and keeps each point once", async () => {
    const t = await setUp();
    await t.ingest([reading(T0 + 1000, 1), reading(T0 + 2000, 2)]);
    // What a forwarder that died after its write left behind: the points stored, the rows still handed off.
    const pending = await t.ledger.pendingTelemetry(100);
    await t.telemetry().write(pending.flatMap((r) => r.telemetry).map(telemetryPoint));
    await t.reopen();
    await t.ingest([reading(T0 + 3000, 3)]);
    const { counts } = t.forward();
    await until(async () => (await t.ledger.pendingTelemetry(100)).length === 0);
    expect(await t.stored()).toEqual([1, 2, 3]);
    expect(counts.forwarded).toBe(3);
  });

  it("drops and counts what the telemetry store can never keep, and forwards the rest", async () => {
    const t = await setUp();
    // The wire schema lets a control character through in a device id; InfluxDB's line protocol would not.
    await t.ingest([reading(T0 + 1000, 1), reading(T0 + 2000, 2, { deviceId: "temp\n2" }), reading(T0 + 3000, 3)]);
    const { counts } = t.forward();
    await until(async () => (await t.ledger.pendingTelemetry(100)).length === 0);
    expect(await t.stored()).toEqual([1, 3]);
    expect(counts.rejected).toEqual(["TALLY_ERR_TELEMETRY_INVALID"]);
  });

  it("while the telemetry store is away, keeps the hand-off up to its bound, dropping and counting the oldest", async () => {
    const t = await setUp();
    // A real InfluxDB adapter pointed at a port nothing listens on: every write fails.
    const away = new InfluxTelemetryStore({
      url: `http://127.0.0.1:${await closedPort()}/tally`,
      requestTimeoutMs: 500,
    });
    await t.ingest([1, 2, 3, 4, 5].map((v) => reading(T0 + v * 1000, v)));
    const counts = { failed: 0, shed: 0 };
    const forwarder = new TelemetryForwarder({
      ledger: t.ledger,
      store: away,
      logger: silentLogger(),
      maxPending: 2,
      backoff: { baseMs: 10, capMs: 20 },
      observer: {
        forwarded: () => undefined,
        rejected: () => undefined,
        failed: () => {
          counts.failed += 1;
        },
        shed: (n) => {
          counts.shed += n;
        },
      },
    });
    forwarder.start();
    cleanups.push(() => forwarder.close());
    await until(async () => counts.shed === 3);
    // Commits go on meanwhile.
    await t.ingest([reading(T0 + 6000, 6)]);
    await until(async () => counts.shed === 4);
    // The bound cut the head of the first batch's row, then of what was left of it.
    expect((await t.ledger.pendingTelemetry(100)).map((r) => r.telemetry.map((p) => p.value))).toEqual([[5], [6]]);
    expect(counts.failed).toBeGreaterThan(0);
    await forwarder.close();
    // The store back: what was kept arrives.
    t.forward();
    await until(async () => (await t.stored()).length === 2);
    expect(await t.stored()).toEqual([5, 6]);
  });

  it("writes the next page while one is in flight, and lets a page leave only after the one before it", async () => {
    const t = await setUp();
    for (let i = 0; i < 3; i++) await t.ingest([reading(T0 + i * 1000, i)]);
    // A store whose first write waits to be told how it ends; the others are written at once.
    const writes: number[][] = [];
    let endFirst: (ok: boolean) => void = () => undefined;
    const first = new Promise<boolean>((resolve) => {
      endFirst = resolve;
    });
    const store = t.telemetry();
    const scripted = {
      ...store,
      kind: store.kind,
      query: store.query.bind(store),
      close: async () => undefined,
      write: async (points: readonly TelemetryPoint[]) => {
        writes.push(points.map((p) => p.value));
        if (writes.length === 1 && !(await first)) throw new Error("InfluxDB went away");
        return store.write(points);
      },
    };
    // The order in which pages leave the hand-off, by their first reading's value.
    const left: number[][] = [];
    const rows = new Map((await t.ledger.pendingTelemetry(100)).map((r) => [r.seq, r.telemetry[0]?.value ?? -1]));
    const ledger = {
      pendingTelemetry: t.ledger.pendingTelemetry.bind(t.ledger),
      shedTelemetry: t.ledger.shedTelemetry.bind(t.ledger),
      forwardedTelemetry: async (seqs: readonly number[]) => {
        left.push(seqs.map((seq) => rows.get(seq) ?? -1));
        await t.ledger.forwardedTelemetry(seqs);
      },
    };
    const forwarder = new TelemetryForwarder({
      ledger,
      store: scripted,
      logger: silentLogger(),
      pageSize: 1,
      idleMs: 20,
      backoff: { baseMs: 10, capMs: 20 },
    });
    forwarder.start();
    cleanups.push(() => forwarder.close());
    // The second page's write started while the first is still in flight; nothing has left the hand-off.
    await until(async () => writes.length >= 2);
    expect(writes.slice(0, 2)).toEqual([[0], [1]]);
    expect((await t.ledger.pendingTelemetry(100)).length).toBe(3);
    // The first fails: the second, written, does not leave before it; the round is tried again from the start.
    endFirst(false);
    await until(async () => (await t.ledger.pendingTelemetry(100)).length === 0);
    expect(writes.slice(2, 3)).toEqual([[0]]);
    expect(left).toEqual([[0], [1], [2]]);
    expect(await t.stored()).toEqual([0, 1, 2]);
  });
});
