import { randomUUID } from "node:crypto";
import type { Telemetry } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertHub } from "../../alerts/alert-hub.js";
import { buildApp } from "../../app.js";
import type { LedgerStore } from "../../ledger/ledger-store.js";
import type { ApiMode } from "../../plugins/authenticate.js";
import {
  batch,
  bearer,
  condition,
  everyLocationKnown,
  forwardedTelemetry,
  silentLogger,
  TEST_TOKENS,
  tempStore,
  testCredentials,
  testSite,
} from "../../testing/fixtures.js";

let store: LedgerStore;
let forwarded: Awaited<ReturnType<typeof forwardedTelemetry>>;
let dispose: () => Promise<void>;
const apps: FastifyInstance[] = [];
beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  await store.importSite(testSite());
  forwarded = await forwardedTelemetry(store);
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await forwarded.dispose();
  await dispose();
});

const start = async (mode: ApiMode = "production") => {
  const app = await buildApp({
    siteFacts: everyLocationKnown,
    store,
    logger: silentLogger(),
    alerts: new AlertHub(),
    credentials: testCredentials(store),
    telemetry: forwarded.telemetry,
    mode,
  });
  apps.push(app);
  return app;
};

const temperature = (value: number, at: string, deviceId = "temp-1"): Telemetry => ({
  kind: "telemetry",
  id: randomUUID(),
  siteId: "S1",
  occurredAt: at,
  deviceId,
  metric: "temperature",
  value,
  unit: "°C",
  location: "S1/COLD/01",
});

describe("GET /v1/whoami", () => {
  it("tells the caller who its credential says it is", async () => {
    const app = await start();
    const res = await app.inject({ method: "GET", url: "/v1/whoami", headers: bearer(TEST_TOKENS.operator) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ role: "operator", id: expect.any(String), name: expect.any(String) });
    const scoped = await app.inject({ method: "GET", url: "/v1/whoami", headers: bearer(TEST_TOKENS.adminS2) });
    expect(scoped.json()).toMatchObject({ role: "admin", siteIds: ["S2"] });
    expect((await app.inject({ method: "GET", url: "/v1/whoami" })).statusCode).toBe(401);
  });

  it("answers the anonymous viewer on the loopback in development mode", async () => {
    const app = await start("development");
    const res = await app.inject({ method: "GET", url: "/v1/whoami", remoteAddress: "127.0.0.1" });
    expect(res.json()).toEqual({ id: "anonymous", name: "anonymous", role: "viewer" });
  });
});

describe("GET /v1/sites/:siteId/devices", () => {
  const ingest = async (app: FastifyInstance, events: unknown[], seq: number) => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/ingest",
      payload: JSON.stringify(batch(events, { seq })),
      headers: { "content-type": "application/json", ...bearer(TEST_TOKENS.edge) },
    });
    expect(res.statusCode).toBe(200);
    // The console reads the telemetry store, which the forwarder fills from the ledger's hand-off.
    await forwarded.flush();
  };
  const devices = async (app: FastifyInstance) => {
    const res = await app.inject({ method: "GET", url: "/v1/sites/S1/devices", headers: bearer(TEST_TOKENS.viewer) });
    expect(res.statusCode).toBe(200);
    return res.json() as {
      zones: { zone: string; devices: { deviceId: string; status: string; readings: { value: number }[] }[] }[];
      edges: { edgeId: string; status: string }[];
    };
  };

  it("shows each zone's devices with their latest temperature and status, following new telemetry", async () => {
    const app = await start();
    // Recent readings: the console shows the last hours.
    const minute = (i: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 - (10 - i) * 60_000).toISOString();
    await ingest(app, [temperature(4, minute(0)), temperature(5, minute(1))], 0);
    let body = await devices(app);
    expect(body.zones.map((z) => z.zone)).toEqual(["A", "COLD"]);
    expect(body.zones[1]?.devices).toEqual([
      expect.objectContaining({ deviceId: "temp-1", status: "ok", readings: [expect.objectContaining({ value: 5 })] }),
    ]);
    expect(body.edges).toEqual([expect.objectContaining({ edgeId: "edge-1", status: "ok" })]);

    // Later telemetry and a condition on the device: the next read shows both.
    await ingest(
      app,
      [
        temperature(11, minute(2)),
        condition({ deviceId: "temp-1", location: "S1/COLD/01", key: "TEMPERATURE_EXCURSION:temp-1" }),
      ],
      1,
    );
    body = await devices(app);
    expect(body.zones[1]?.devices[0]).toMatchObject({ status: "alerting", readings: [{ value: 11 }] });

    const series = await app.inject({
      method: "GET",
      url: "/v1/sites/S1/devices/temp-1/readings",
      headers: bearer(TEST_TOKENS.viewer),
    });
    expect(series.json()).toMatchObject({ unit: "°C", points: [{ value: 4 }, { value: 5 }, { value: 11 }] });
    const none = await app.inject({
      method: "GET",
      url: "/v1/sites/S1/devices/nobody/readings",
      headers: bearer(TEST_TOKENS.viewer),
    });
    expect(none.statusCode).toBe(404);
  });

  it("refuses a credential limited to another site", async () => {
    const app = await start();
    const res = await app.inject({ method: "GET", url: "/v1/sites/S1/devices", headers: bearer(TEST_TOKENS.adminS2) });
    expect(res.statusCode).toBe(403);
  });
});
