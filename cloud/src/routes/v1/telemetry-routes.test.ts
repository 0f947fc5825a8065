import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteTelemetryStore } from "../../adapters/sqlite-telemetry-store.js";
import type { TelemetryPoint } from "../../telemetry/telemetry-store.js";
import { bearer, TEST_TOKENS, testApp } from "../../testing/fixtures.js";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

let n = 0;
const point = (atMs: number, value: number, overrides: Partial<TelemetryPoint> = {}): TelemetryPoint => {
  n += 1;
  return {
    id: `p${n}`,
    siteId: "S1",
    deviceId: "temp-1",
    metric: "temperature",
    unit: "Cel",
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

async function start(points: TelemetryPoint[]): Promise<{ app: FastifyInstance; telemetry: SqliteTelemetryStore }> {
  const dir = await mkdtemp(join(tmpdir(), "tally-telemetry-route-"));
  const telemetry = new SqliteTelemetryStore(join(dir, "telemetry.db"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  cleanups.push(() => telemetry.close());
  await telemetry.write(points);
  const { app, dispose } = await testApp({ telemetry });
  cleanups.push(dispose);
  return { app, telemetry };
}

const range = `from=${iso(T0)}&to=${iso(T0 + 3_600_000)}`;

describe("GET /v1/telemetry", () => {
  it("returns raw points of a range, filtered, oldest first", async () => {
    const { app } = await start([
      point(T0 + 120_000, 5.5),
      point(T0 + 60_000, 4),
      point(T0 + 60_000, 30, { deviceId: "temp-2", location: "S1/DRY/01" }),
      point(T0 + 7_200_000, 99),
    ]);
    const res = await app.inject({ url: `/v1/telemetry?siteId=S1&${range}`, headers: bearer(TEST_TOKENS.viewer) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ window: "raw", from: iso(T0), to: iso(T0 + 3_600_000), truncated: false });
    expect(body.points.map((p: { value: number }) => p.value)).toEqual([4, 30, 5.5]);
    const zone = await app.inject({
      url: `/v1/telemetry?siteId=S1&zone=COLD&${range}`,
      headers: bearer(TEST_TOKENS.viewer),
    });
    expect(zone.json().points.map((p: { value: number }) => p.value)).toEqual([4, 5.5]);
  });

  it("aggregates windows", async () => {
    const { app } = await start([point(T0 + 1000, 2), point(T0 + 2000, 6), point(T0 + 400_000, 1)]);
    const res = await app.inject({
      url: `/v1/telemetry?siteId=S1&window=5m&${range}`,
      headers: bearer(TEST_TOKENS.viewer),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().buckets).toEqual([
      {
        siteId: "S1",
        deviceId: "temp-1",
        metric: "temperature",
        unit: "Cel",
        start: iso(T0),
        min: 2,
        mean: 4,
        max: 6,
        count: 2,
      },
      {
        siteId: "S1",
        deviceId: "temp-1",
        metric: "temperature",
        unit: "Cel",
        start: iso(T0 + 300_000),
        min: 1,
        mean: 1,
        max: 1,
        count: 1,
      },
    ]);
  });

  it("answers CSV with quoted cells, and a formula-looking name as text", async () => {
    const { app } = await start([point(T0 + 1000, -3.5, { deviceId: '=HYPERLINK("x"),1' })]);
    const res = await app.inject({
      url: `/v1/telemetry?siteId=S1&format=csv&${range}`,
      headers: bearer(TEST_TOKENS.viewer),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/csv/);
    expect(res.body).toBe(
      `at,siteId,deviceId,metric,unit,location,value,periodS,min,max,count,detail\r\n${iso(T0 + 1000)},S1,"'=HYPERLINK(""x""),1",temperature,Cel,S1/COLD/01,-3.5,,,,,\r\n`,
    );
  });

  it("refuses bad ranges with a clear 400", async () => {
    const { app } = await start([]);
    const cases: [string, RegExp][] = [
      [`from=${iso(T0 + 1000)}&to=${iso(T0)}`, /before/],
      ["from=yesterday", /ISO 8601/],
      ["from=2026-12-01T10:00:00", /ISO 8601/],
      [`from=${iso(T0 - 30 * 86_400_000)}&to=${iso(T0)}`, /raw range/],
      [`from=${iso(T0 - 30 * 86_400_000)}&to=${iso(T0)}&window=1m`, /wider/],
    ];
    for (const [query, reason] of cases) {
      const res = await app.inject({ url: `/v1/telemetry?siteId=S1&${query}`, headers: bearer(TEST_TOKENS.viewer) });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().code, query).toBe(ErrorCode.QueryInvalid);
      expect(res.json().detail, query).toMatch(reason);
    }
    const window = await app.inject({ url: "/v1/telemetry?siteId=S1&window=2m", headers: bearer(TEST_TOKENS.viewer) });
    expect(window.statusCode).toBe(400);
    const limit = await app.inject({ url: "/v1/telemetry?siteId=S1&limit=10001", headers: bearer(TEST_TOKENS.viewer) });
    expect(limit.statusCode).toBe(400);
  });

  it("follows the site policy: a one-site credential sees its site only, and is refused another", async () => {
    const { app } = await start([point(T0 + 1000, 1), point(T0 + 1000, 2, { siteId: "S2", location: "S2/COLD/01" })]);
    const own = await app.inject({ url: `/v1/telemetry?${range}`, headers: bearer(TEST_TOKENS.adminS2) });
    expect(own.statusCode).toBe(200);
    expect(own.json().points.map((p: { siteId: string }) => p.siteId)).toEqual(["S2"]);
    const other = await app.inject({ url: `/v1/telemetry?siteId=S1&${range}`, headers: bearer(TEST_TOKENS.adminS2) });
    expect(other.statusCode).toBe(403);
    const anonymous = await app.inject({ url: `/v1/telemetry?siteId=S1&${range}` });
    expect(anonymous.statusCode).toBe(401);
  });

  it("answers 503 with a code when the telemetry store does not answer", async () => {
    const { app, telemetry } = await start([]);
    await telemetry.close();
    const res = await app.inject({ url: `/v1/telemetry?siteId=S1&${range}`, headers: bearer(TEST_TOKENS.viewer) });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe(ErrorCode.TelemetryUnavailable);
  });
});
