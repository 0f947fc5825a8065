import { randomUUID } from "node:crypto";
import type { Telemetry } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";
import { sqliteTelemetryFile } from "../adapters/create-telemetry-store.js";
import { SqliteTelemetryStore } from "../adapters/sqlite-telemetry-store.js";
import { closedPort } from "../testing/closed-port.js";
import { silentLogger, tempStore } from "../testing/fixtures.js";
import type { TelemetryForwarderObserver } from "./telemetry-forwarder.js";
import { ThreadedTelemetryForwarder } from "./threaded-telemetry-forwarder.js";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");

function reading(atMs: number, value: number): Telemetry {
  return {
    kind: "telemetry",
    id: randomUUID(),
    siteId: "S1",
    occurredAt: new Date(atMs).toISOString(),
    deviceId: "temp-1",
    metric: "temperature",
    value,
    unit: "Cel",
    location: "S1/COLD/01",
  };
}

const meta = (seq: number) => ({ edgeId: "edge-1", siteId: "S1", batchId: randomUUID(), seq });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function counting(): { counts: { forwarded: number; failed: number }; observer: TelemetryForwarderObserver } {
  const counts = { forwarded: 0, failed: 0 };
  const observer: TelemetryForwarderObserver = {
    forwarded: (n) => {
      counts.forwarded += n;
    },
    rejected: () => undefined,
    failed: () => {
      counts.failed += 1;
    },
    shed: () => undefined,
  };
  return { counts, observer };
}

async function until(probe: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + 20_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("condition not reached within 20 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("ThreadedTelemetryForwarder", () => {
  it("moves committed telemetry to the telemetry store from a thread with its own ledger connection", async () => {
    const { store, dataDir, dispose } = await tempStore();
    cleanups.push(dispose);
    await store.commit(meta(0), [reading(T0 + 1000, 1), reading(T0 + 2000, 2)]);
    const { counts, observer } = counting();
    const forwarder = new ThreadedTelemetryForwarder({
      data: { ledger: { dataDir }, telemetry: { dataDir }, logLevel: "silent" },
      logger: silentLogger(),
      observer,
    });
    forwarder.start();
    cleanups.push(() => forwarder.close());
    await forwarder.ready();
    const telemetry = new SqliteTelemetryStore(sqliteTelemetryFile(dataDir));
    cleanups.push(() => telemetry.close());
    const stored = async () => {
      const result = await telemetry.query({ fromMs: T0, toMs: T0 + 60_000, window: "raw", limit: 100 });
      return result.window === "raw" ? result.points.map((p) => p.value) : [];
    };
    await until(() => counts.forwarded === 2);
    expect(await stored()).toEqual([1, 2]);
    // Commits go on in this thread meanwhile; a nudge has the thread look at once.
    await store.commit(meta(1), [reading(T0 + 3000, 3)]);
    forwarder.nudge();
    await until(() => counts.forwarded === 3);
    expect(await stored()).toEqual([1, 2, 3]);
    expect(await store.pendingTelemetry(100)).toEqual([]);
    await forwarder.close();
    // Closed: nothing moves any more.
    await store.commit(meta(2), [reading(T0 + 4000, 4)]);
    forwarder.nudge();
    expect((await store.pendingTelemetry(100)).map((r) => r.telemetry.length)).toEqual([1]);
  });

  it("with the telemetry store away, counts failed rounds and keeps the rows while commits go on", async () => {
    const { store, dataDir, dispose } = await tempStore();
    cleanups.push(dispose);
    await store.commit(meta(0), [reading(T0 + 1000, 1)]);
    const { counts, observer } = counting();
    const influxUrl = `http://127.0.0.1:${await closedPort()}/tally`;
    const forwarder = new ThreadedTelemetryForwarder({
      data: { ledger: { dataDir }, telemetry: { influxUrl }, logLevel: "silent" },
      logger: silentLogger(),
      observer,
    });
    forwarder.start();
    cleanups.push(() => forwarder.close());
    await until(() => counts.failed >= 2);
    await store.commit(meta(1), [reading(T0 + 2000, 2)]);
    expect((await store.pendingTelemetry(100)).map((r) => r.telemetry.length)).toEqual([1, 1]);
    expect(counts.forwarded).toBe(0);
    await forwarder.close();
  });
});
