import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteTelemetryStore } from "../../adapters/sqlite-telemetry-store.js";
import { meanKineticTemperatureC } from "../../telemetry/mkt.js";
import type { TelemetryPoint } from "../../telemetry/telemetry-store.js";
import { batch, bearer, movement, TEST_TOKENS, testApp, testSite } from "../../testing/fixtures.js";

const T0 = Date.parse("2026-11-22T08:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

let n = 0;
const reading = (atMs: number, value: number, overrides: Partial<TelemetryPoint> = {}): TelemetryPoint => {
  n += 1;
  return {
    id: `p${n}`,
    siteId: "S1",
    deviceId: "temp-1",
    metric: "temperature",
    unit: "°C",
    location: "S1/COLD/01",
    at: iso(atMs),
    value,
    ...overrides,
  };
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(points: TelemetryPoint[], withTelemetry = true): Promise<FastifyInstance> {
  const dir = await mkdtemp(join(tmpdir(), "tally-mkt-route-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const telemetry = new SqliteTelemetryStore(join(dir, "telemetry.db"));
  cleanups.push(() => telemetry.close());
  await telemetry.write(points);
  const { app, dispose } = await testApp(withTelemetry ? { telemetry } : {});
  cleanups.push(dispose);
  return app;
}

const get = (app: FastifyInstance, url: string, token: string = TEST_TOKENS.viewer) =>
  app.inject({ url, headers: bearer(token) });

describe("GET /v1/mkt", () => {
  it("answers per zone and UTC day from the sensors' 1-minute means, leaving out days without readings", async () => {
    const points: TelemetryPoint[] = [];
    // Day 1, minutes 0–59 from 08:00: temp-1 at 4 °C; minutes 0–9 of it temp-2 at 12 °C too (two readings a minute).
    for (let m = 0; m < 60; m++) points.push(reading(T0 + m * MIN, 4));
    for (let m = 0; m < 10; m++) {
      points.push(reading(T0 + m * MIN + 10_000, 11, { deviceId: "temp-2" }));
      points.push(reading(T0 + m * MIN + 40_000, 13, { deviceId: "temp-2" }));
    }
    // Another zone and day 3 (day 2 has nothing).
    points.push(reading(T0, 20, { deviceId: "temp-a", location: "S1/A/01" }));
    points.push(reading(T0 + 2 * 86_400_000, 6));
    const app = await start(points);

    const res = await get(app, "/v1/mkt?siteId=S1&zone=COLD&from=2026-11-22&to=2026-11-24");
    expect(res.statusCode).toBe(200);
    const expected =
      meanKineticTemperatureC([
        { tempC: 4, weight: 50 + 10 / 2 },
        { tempC: 12, weight: 10 / 2 },
      ]) ?? Number.NaN;
    const { items } = res.json();
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ siteId: "S1", zone: "COLD", day: "2026-11-22", minutes: 60, coverage: 60 / 1440 });
    expect(items[0].mktC).toBeCloseTo(expected, 6);
    expect(items[1]).toMatchObject({ day: "2026-11-24", minutes: 1, mktC: 6 });
  });

  it("refuses bad input with a clear 400 and stays inside the credential's site", async () => {
    const app = await start([]);
    const cases: [string, RegExp][] = [
      ["/v1/mkt?siteId=S1&zone=COLD&from=2026-02-30", /not a date/],
      ["/v1/mkt?siteId=S1&zone=COLD&from=2026-03-02&to=2026-03-01", /before/],
      ["/v1/mkt?siteId=S1&zone=COLD&from=2025-01-01&to=2026-01-02", /366 days/],
      ["/v1/mkt?siteId=S1&from=2026-01-01&to=2026-03-01", /without zone/],
      ["/v1/mkt?zone=COLD&from=2026-01-01", /siteId is required/],
    ];
    for (const [url, reason] of cases) {
      const res = await get(app, url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toMatchObject({ code: ErrorCode.QueryInvalid, detail: expect.stringMatching(reason) });
    }
    const activation = await get(app, "/v1/mkt?siteId=S1&zone=COLD&from=2026-01-01&activationKjPerMol=0");
    expect(activation.statusCode).toBe(400);
    expect((await get(app, "/v1/mkt?siteId=S1&zone=COLD&from=2026-01-01", TEST_TOKENS.adminS2)).statusCode).toBe(403);
    expect((await app.inject({ url: "/v1/mkt?siteId=S1&zone=COLD&from=2026-01-01" })).statusCode).toBe(401);
  });

  it("answers 503 without a telemetry store", async () => {
    const app = await start([], false);
    const res = await get(app, "/v1/mkt?siteId=S1&zone=COLD&from=2026-11-22");
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe(ErrorCode.TelemetryUnavailable);
  });
});

describe("GET /v1/lots/{lot}/mkt", () => {
  it("weights each stay's zone temperature by the lot's units there", async () => {
    const points: TelemetryPoint[] = [];
    for (let m = 0; m < 60; m++) {
      points.push(reading(T0 + m * MIN, 4));
      points.push(reading(T0 + m * MIN, 20, { deviceId: "temp-a", location: "S1/A/01" }));
    }
    const app = await start(points);
    // 10 units of lot L1 into COLD at 08:00; 5 of them to A at 08:20; the rest out of the site at 08:40.
    const events = [
      movement({ sku: "SKU-1", lot: "L1", qty: 10, to: "S1/COLD/01", occurredAt: iso(T0) }),
      movement({
        sku: "SKU-1",
        lot: "L1",
        qty: 5,
        movementType: "TRANSFER",
        from: "S1/COLD/01",
        to: "S1/A/01",
        occurredAt: iso(T0 + 20 * MIN),
      }),
      movement({
        sku: "SKU-1",
        lot: "L1",
        qty: 5,
        movementType: "SHIPMENT",
        from: "S1/COLD/01",
        to: undefined,
        occurredAt: iso(T0 + 40 * MIN),
      }),
      // Another lot must not count.
      movement({ sku: "SKU-1", lot: "L2", qty: 3, to: "S1/A/01", occurredAt: iso(T0) }),
    ];
    const ingest = await app.inject({
      method: "POST",
      url: "/v1/ingest",
      payload: batch(events),
      headers: bearer(TEST_TOKENS.edge),
    });
    expect(ingest.statusCode).toBe(200);

    const to = iso(T0 + 60 * MIN);
    const res = await get(app, `/v1/lots/L1/mkt?sku=SKU-1&to=${to}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // COLD: 10 units × 20 min + 5 × 20 min = 300 unit-minutes at 4 °C; A: 5 units × 40 min = 200 at 20 °C.
    const expected =
      meanKineticTemperatureC([
        { tempC: 4, weight: 300 },
        { tempC: 20, weight: 200 },
      ]) ?? Number.NaN;
    expect(body).toMatchObject({ sku: "SKU-1", lot: "L1", from: iso(T0), to, unitMinutes: 500, coverage: 1 });
    expect(body.mktC).toBeCloseTo(expected, 6);
    expect(body.stays).toEqual([
      { location: "S1/COLD/01", from: iso(T0), to: iso(T0 + 40 * MIN) },
      { location: "S1/A/01", from: iso(T0 + 20 * MIN), to },
    ]);

    // Without a zone: every zone of the site's imported layout.
    const layout = await app.inject({
      method: "PUT",
      url: "/v1/sites/S1/layout",
      payload: testSite(),
      headers: bearer(TEST_TOKENS.admin),
    });
    expect(layout.statusCode).toBe(200);
    const all = (await get(app, "/v1/mkt?siteId=S1&from=2026-11-22")).json();
    expect(all.items.map((i: { zone: string }) => i.zone)).toEqual(["A", "COLD"]);

    expect((await get(app, "/v1/lots/NOPE/mkt?sku=SKU-1")).statusCode).toBe(404);
    expect((await get(app, "/v1/lots/L1/mkt?sku=SKU-1", TEST_TOKENS.adminS2)).statusCode).toBe(404);
    expect((await get(app, "/v1/lots/L1/mkt?sku=SKU-1&siteId=S1", TEST_TOKENS.adminS2)).statusCode).toBe(403);
    const long = await get(app, `/v1/lots/L1/mkt?sku=SKU-1&to=${iso(T0 + 400 * 86_400_000)}`);
    expect(long.statusCode).toBe(400);
    expect(long.json().detail).toMatch(/366 days/);
    expect((await get(app, "/v1/lots/L1/mkt")).statusCode).toBe(400);
  });
});
