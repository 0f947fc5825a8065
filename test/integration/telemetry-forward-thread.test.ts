import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBootstrapTokens, type RunningCloud, startCloud } from "@tally/cloud";
import { afterAll, describe, expect, it } from "vitest";
import { coldRoomReading, demoTelemetryPoster } from "../support/cold-room-telemetry.js";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { probeLocalInflux } from "../support/influxdb.js";
import { probePostgres } from "../support/postgres.js";
import { testLogger } from "../support/quiet-logger.js";

// The skip decision must be known before collection; in CI a missing influxd or PostgreSQL throws here.
const influx = await probeLocalInflux();
const postgres = await probePostgres();
const unavailable = [influx, postgres].flatMap((s) => ("unavailable" in s ? [s.unavailable] : []))[0];

const EDGE_SECRET = "edge-telemetry-secret-0123456789";

afterAll(async () => {
  if (!("unavailable" in postgres)) await postgres.stop();
  if (!("unavailable" in influx)) await influx.stop();
});

/** The forwarder on its own thread (TALLY_TELEMETRY_FORWARD_THREAD), on each ledger engine, across an outage. */
describe.skipIf(unavailable !== undefined).each(["sqlite", "postgres"] as const)(
  `telemetry forwarded from a thread of its own, %s ledger${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  (engine) => {
    it("forwards, keeps committing while InfluxDB is down, and catches up after", async () => {
      if ("unavailable" in influx || "unavailable" in postgres) return;
      const dataDir = await mkdtemp(join(tmpdir(), "tally-forward-thread-"));
      let cloud: RunningCloud | undefined;
      try {
        cloud = await startCloud({
          port: 0,
          dataDir,
          ...(engine === "postgres" && { databaseUrl: await postgres.freshDatabase() }),
          mqtt: { embedded: { port: 0 } },
          influxUrl: influx.database(`tally_thread_${engine}`),
          telemetryForwardThread: true,
          bootstrapTokens: parseBootstrapTokens(`edge@DEMO/edge-t:${EDGE_SECRET}`),
          logger: testLogger(),
        });
        await cloud.store.importSite(await demoSiteOnPort(await freePort()));
        await outageScenario(cloud);
      } finally {
        await cloud?.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  },
);

async function outageScenario(cloud: RunningCloud): Promise<void> {
  if ("unavailable" in influx) return;
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const reading = (i: number) => coldRoomReading(t0, i);
  const ingest = demoTelemetryPoster(cloud.url, EDGE_SECRET, "edge-t");
  const stored = async (): Promise<number[]> => {
    const from = new Date(t0).toISOString();
    const to = new Date(t0 + 3_600_000).toISOString();
    const res = await fetch(`${cloud.url}/v1/telemetry?siteId=DEMO&from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${cloud.adminToken}` },
    });
    if (res.status !== 200) return [];
    return ((await res.json()) as { points: { value: number }[] }).points.map((p) => p.value);
  };

  expect((await ingest([reading(0), reading(1), reading(2)])).body.status).toBe("committed");
  await eventually(stored, (values) => values.length === 3, { what: "the first readings in InfluxDB" });
  await influx.kill();
  const whileDown: string[] = [];
  for (let i = 3; i < 9; i += 2) {
    const events = [reading(i), reading(i + 1)];
    whileDown.push(...events.map((e) => e.id));
    expect((await ingest(events)).body.status).toBe("committed");
  }
  // The thread's rounds fail meanwhile: the rows wait in the hand-off, which this thread reads too.
  const waiting = new Set((await cloud.store.pendingTelemetry(100)).flatMap((r) => r.telemetry.map((t) => t.id)));
  expect(whileDown.filter((id) => !waiting.has(id))).toEqual([]);
  await influx.start();
  const after = await eventually(stored, (values) => values.length === 9, {
    what: "every reading in InfluxDB after it came back",
    timeoutMs: 45_000,
  });
  expect(after).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => 4 + i / 10));
  await eventually(
    () => cloud.store.pendingTelemetry(100),
    (pending) => pending.length === 0,
    { what: "the hand-off emptied once InfluxDB has them" },
  );
}
