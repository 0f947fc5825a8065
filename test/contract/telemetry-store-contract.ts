import {
  checkTelemetryQuery,
  type TelemetryPoint,
  type TelemetryQueryInput,
  type TelemetryResult,
  type TelemetryStore,
} from "@tally/cloud";
import { ErrorCode } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";

const HOUR = 3_600_000;
const MINUTE = 60_000;
// An hour-aligned time a few hours back: inside every store's raw retention, and whole buckets of every window.
const T0 = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

let seq = 0;
function point(overrides: Partial<TelemetryPoint> & { atMs: number; value: number }): TelemetryPoint {
  seq += 1;
  const { atMs, ...rest } = overrides;
  return {
    id: `p-${seq}-${Math.random().toString(36).slice(2)}`,
    siteId: "S1",
    deviceId: "T1",
    metric: "temperature",
    unit: "Cel",
    location: "S1/COLD/B1",
    at: iso(atMs),
    ...rest,
  };
}

function query(input: TelemetryQueryInput) {
  const checked = checkTelemetryQuery({ from: iso(T0), to: iso(T0 + HOUR), ...input }, Date.now());
  if (!checked.ok) throw new Error(checked.error.reason);
  return checked.value;
}

function raw(result: TelemetryResult) {
  if (result.window !== "raw") throw new Error(`expected raw points, got ${result.window}`);
  return result.points;
}

function buckets(result: TelemetryResult) {
  if (result.window === "raw") throw new Error("expected buckets, got raw points");
  return result.buckets;
}

/**
 * What every `TelemetryStore` does, run against each adapter: `open` gives a
 * fresh, empty store (the suite closes it).
 */
export function telemetryStoreContract(name: string, open: () => Promise<TelemetryStore>): void {
  describe(`TelemetryStore contract: ${name}`, () => {
    let store: TelemetryStore | undefined;
    const fresh = async () => {
      store = await open();
      return store;
    };
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it("gives back the points written, in time order, filtered by site, device, metric and zone", async () => {
      const s = await fresh();
      const points = [
        point({ atMs: T0 + 2 * MINUTE, value: 4.5 }),
        point({ atMs: T0 + MINUTE, value: 3.25 }),
        point({ atMs: T0 + MINUTE, value: 7, deviceId: "T2", location: "S1/DRY/B9" }),
        point({ atMs: T0 + 3 * MINUTE, value: 12, siteId: "S2", location: "S2/COLD/B1" }),
        point({
          atMs: T0 + 4 * MINUTE,
          value: 55,
          metric: "weight",
          unit: "g",
          deviceId: "SH1",
          location: "S1/DRY/B2",
        }),
      ];
      expect(await s.write(points)).toEqual({ written: 5, rejected: [] });

      const all = raw(await s.query(query({})));
      expect(all.map((p) => [p.at, p.siteId, p.deviceId, p.metric, p.value])).toEqual([
        [iso(T0 + MINUTE), "S1", "T1", "temperature", 3.25],
        [iso(T0 + MINUTE), "S1", "T2", "temperature", 7],
        [iso(T0 + 2 * MINUTE), "S1", "T1", "temperature", 4.5],
        [iso(T0 + 3 * MINUTE), "S2", "T1", "temperature", 12],
        [iso(T0 + 4 * MINUTE), "S1", "SH1", "weight", 55],
      ]);
      expect(all[0]).toEqual({
        siteId: "S1",
        deviceId: "T1",
        metric: "temperature",
        unit: "Cel",
        location: "S1/COLD/B1",
        at: iso(T0 + MINUTE),
        value: 3.25,
      });
      expect(raw(await s.query(query({ siteId: "S2" }))).map((p) => p.value)).toEqual([12]);
      expect(raw(await s.query(query({ deviceId: "T2" }))).map((p) => p.value)).toEqual([7]);
      expect(raw(await s.query(query({ metric: "weight" }))).map((p) => p.value)).toEqual([55]);
      expect(raw(await s.query(query({ zone: "COLD" }))).map((p) => p.value)).toEqual([3.25, 4.5, 12]);
      expect(raw(await s.query(query({ siteId: "S1", zone: "COLD" }))).map((p) => p.value)).toEqual([3.25, 4.5]);
    });

    it("includes from and excludes to", async () => {
      const s = await fresh();
      await s.write([point({ atMs: T0, value: 1 }), point({ atMs: T0 + HOUR, value: 2 })]);
      expect(raw(await s.query(query({}))).map((p) => p.value)).toEqual([1]);
      const next = query({ from: iso(T0 + HOUR), to: iso(T0 + 2 * HOUR) });
      expect(raw(await s.query(next)).map((p) => p.value)).toEqual([2]);
    });

    it("aggregates min, mean, max and count per series and epoch-aligned bucket", async () => {
      const s = await fresh();
      await s.write([
        point({ atMs: T0 + 5_000, value: 2 }),
        point({ atMs: T0 + 30_000, value: 4 }),
        point({ atMs: T0 + 59_999, value: 9 }),
        point({ atMs: T0 + MINUTE, value: -1 }),
        point({ atMs: T0 + 7 * MINUTE, value: 5 }),
        point({ atMs: T0 + 10_000, value: 100, deviceId: "T2" }),
      ]);
      const perMinute = buckets(await s.query(query({ window: "1m" })));
      expect(perMinute.map((b) => [b.start, b.deviceId, b.min, b.max, b.count])).toEqual([
        [iso(T0), "T1", 2, 9, 3],
        [iso(T0), "T2", 100, 100, 1],
        [iso(T0 + MINUTE), "T1", -1, -1, 1],
        [iso(T0 + 7 * MINUTE), "T1", 5, 5, 1],
      ]);
      expect(perMinute[0]?.mean).toBeCloseTo(5, 9);
      const perFive = buckets(await s.query(query({ window: "5m", deviceId: "T1" })));
      expect(perFive.map((b) => [b.start, b.min, b.max, b.count])).toEqual([
        [iso(T0), -1, 9, 4],
        [iso(T0 + 5 * MINUTE), 5, 5, 1],
      ]);
      expect(perFive[0]?.mean).toBeCloseTo(14 / 4, 9);
      const perHour = buckets(await s.query(query({ window: "1h", deviceId: "T1" })));
      expect(perHour.map((b) => [b.start, b.unit, b.count])).toEqual([[iso(T0), "Cel", 5]]);
    });

    it("aggregates summaries by their own min, max, sum and count, and skips excursion-window readings", async () => {
      const s = await fresh();
      const summary = point({ atMs: T0, value: 4, summary: { periodS: 60, min: 2, max: 7, count: 6 } });
      // Full-rate readings of the same minute, which the summary counts already: raw only.
      const detail = [
        point({ atMs: T0, value: 7, detail: true }),
        point({ atMs: T0 + 10_000, value: 50, detail: true }),
      ];
      const plain = point({ atMs: T0 + 30_000, value: 1 });
      const next = point({ atMs: T0 + MINUTE, value: 5, summary: { periodS: 60, min: 5, max: 5, count: 1 } });
      expect(await s.write([summary, ...detail, plain, next])).toEqual({ written: 5, rejected: [] });

      const perMinute = buckets(await s.query(query({ window: "1m" })));
      expect(perMinute.map((b) => [b.start, b.min, b.max, b.count])).toEqual([
        [iso(T0), 1, 7, 7],
        [iso(T0 + MINUTE), 5, 5, 1],
      ]);
      expect(perMinute[0]?.mean).toBeCloseTo((4 * 6 + 1) / 7, 9);
      const perHour = buckets(await s.query(query({ window: "1h" })));
      expect(perHour.map((b) => [b.min, b.max, b.count])).toEqual([[1, 7, 8]]);
      expect(perHour[0]?.mean).toBeCloseTo((4 * 6 + 1 + 5) / 8, 9);

      const series = { siteId: "S1", deviceId: "T1", metric: "temperature", unit: "Cel", location: "S1/COLD/B1" };
      const points = raw(await s.query(query({})));
      expect(points).toHaveLength(5);
      // A summary and a reading in the same millisecond are both kept.
      expect(points.filter((p) => p.at === iso(T0))).toEqual(
        expect.arrayContaining([
          { ...series, at: iso(T0), value: 4, periodS: 60, min: 2, max: 7, count: 6 },
          { ...series, at: iso(T0), value: 7, detail: true },
        ]),
      );
      expect(points.find((p) => p.at === iso(T0 + 30_000))).toEqual({ ...series, at: iso(T0 + 30_000), value: 1 });
    });

    it("refuses a summary whose figures do not hold together", async () => {
      const s = await fresh();
      const bad = [
        point({ atMs: T0, value: 9, summary: { periodS: 60, min: 2, max: 7, count: 6 } }),
        point({ atMs: T0, value: 3, summary: { periodS: 60, min: 2, max: 7, count: 0 } }),
        point({ atMs: T0, value: 3, summary: { periodS: 60, min: 2, max: Number.NaN, count: 2 } }),
        point({ atMs: T0, value: 3, summary: { periodS: 60, min: 2, max: 7, count: 2 }, detail: true }),
      ];
      const result = await s.write(bad);
      expect(result.written).toBe(0);
      expect(result.rejected.map((r) => [r.id, r.code])).toEqual(bad.map((p) => [p.id, ErrorCode.TelemetryInvalid]));
      // Each refusal carries its point: the forwarder logs it without holding the page it wrote.
      expect(result.rejected.map((r) => r.point)).toEqual(bad);
      expect(raw(await s.query(query({})))).toEqual([]);
    });

    it("keeps a point written twice once (writes are retried)", async () => {
      const s = await fresh();
      const points = [point({ atMs: T0 + MINUTE, value: 1 }), point({ atMs: T0 + 2 * MINUTE, value: 2 })];
      await s.write(points);
      await s.write(points);
      expect(raw(await s.query(query({}))).map((p) => p.value)).toEqual([1, 2]);
      expect(buckets(await s.query(query({ window: "1h" }))).map((b) => b.count)).toEqual([2]);
    });

    it("refuses values that are not finite numbers by id, and writes the rest of the batch", async () => {
      const s = await fresh();
      const bad = [
        point({ atMs: T0 + MINUTE, value: Number.NaN }),
        point({ atMs: T0 + MINUTE, value: Number.POSITIVE_INFINITY }),
        point({ atMs: T0 + MINUTE, value: Number.NEGATIVE_INFINITY }),
        { ...point({ atMs: T0 + MINUTE, value: 1 }), value: "1" as unknown as number },
      ];
      const good = point({ atMs: T0 + 2 * MINUTE, value: 3 });
      const result = await s.write([...bad, good]);
      expect(result.written).toBe(1);
      expect(result.rejected.map((r) => r.id)).toEqual(bad.map((p) => p.id));
      for (const r of result.rejected) {
        expect(r.code).toBe(ErrorCode.TelemetryInvalid);
        expect(r.reason).toMatch(/finite/);
      }
      expect(raw(await s.query(query({}))).map((p) => p.value)).toEqual([3]);
    });

    it("keeps huge and tiny values exactly", async () => {
      const s = await fresh();
      const values = [1e300, -1e300, Number.MAX_SAFE_INTEGER, 5e-324, -0.1, 123456789.123456];
      await s.write(values.map((value, i) => point({ atMs: T0 + i * 1000, value })));
      expect(raw(await s.query(query({}))).map((p) => p.value)).toEqual(values);
    });

    it("keeps names with odd characters and finds them by those names", async () => {
      const s = await fresh();
      const odd = {
        siteId: "S 1,=x",
        deviceId: `dev "q" 'a' \\b, c=d ü 💡`,
        metric: "count:SKU-1,a=b c",
        unit: "°C",
        location: "S 1,=x/Z ONE,=/B\\1",
      };
      await s.write([point({ atMs: T0 + MINUTE, value: 1, ...odd })]);
      const found = raw(await s.query(query({ siteId: odd.siteId, deviceId: odd.deviceId, metric: odd.metric })));
      expect(found).toEqual([{ ...odd, at: iso(T0 + MINUTE), value: 1 }]);
      expect(raw(await s.query(query({ zone: "Z ONE,=" }))).length).toBe(1);
      // A quote in a filter is a value, never InfluxQL or SQL.
      expect(raw(await s.query(query({ siteId: "x' OR 1=1 --" })))).toEqual([]);
      expect(raw(await s.query(query({ siteId: "x\\' OR ''='" })))).toEqual([]);
    });

    it("keeps a unitless point without a location (a count)", async () => {
      const s = await fresh();
      await s.write([point({ atMs: T0 + MINUTE, value: 7, metric: "count:SKU-1", unit: "", location: undefined })]);
      expect(raw(await s.query(query({ metric: "count:SKU-1" })))).toEqual([
        { siteId: "S1", deviceId: "T1", metric: "count:SKU-1", unit: "", at: iso(T0 + MINUTE), value: 7 },
      ]);
      const perMinute = buckets(await s.query(query({ metric: "count:SKU-1", window: "1m" })));
      expect(perMinute.map((b) => [b.unit, b.start, b.count])).toEqual([["", iso(T0 + MINUTE), 1]]);
      // No location, no zone: a zone filter does not find it.
      expect(raw(await s.query(query({ zone: "COLD" })))).toEqual([]);
    });

    it("refuses names a store cannot keep: control characters, lone surrogates, a trailing backslash", async () => {
      const s = await fresh();
      const bad = [
        point({ atMs: T0, value: 1, deviceId: "a\nb" }),
        point({ atMs: T0, value: 1, metric: "temp\u0000" }),
        point({ atMs: T0, value: 1, siteId: "S\ud800" }),
        point({ atMs: T0, value: 1, unit: "C\\" }),
        point({ atMs: T0, value: 1, deviceId: "" }),
        point({ atMs: T0, value: 1, deviceId: "x".repeat(300) }),
        point({ atMs: T0, value: 1, at: "yesterday" } as Partial<TelemetryPoint> & { atMs: number; value: number }),
        // Ids are checked too (each a new name: none is remembered as storable).
        { ...point({ atMs: T0, value: 1 }), id: "id\n1" },
        { ...point({ atMs: T0, value: 1 }), id: "id\\" },
        { ...point({ atMs: T0, value: 1 }), id: "" },
        { ...point({ atMs: T0, value: 1 }), id: "i".repeat(257) },
      ];
      const result = await s.write(bad);
      expect(result.written).toBe(0);
      expect(result.rejected.map((r) => r.id)).toEqual(bad.map((p) => p.id));
      expect(new Set(result.rejected.map((r) => r.code))).toEqual(new Set([ErrorCode.TelemetryInvalid]));
      expect(raw(await s.query(query({})))).toEqual([]);
    });

    it("writes an oversize batch whole", async () => {
      const s = await fresh();
      const n = 12_001;
      await s.write(Array.from({ length: n }, (_, i) => point({ atMs: T0 + i * 100, value: i % 50 })));
      const hours = buckets(await s.query(query({ window: "1h", to: iso(T0 + 2 * HOUR) })));
      expect(hours.reduce((sum, b) => sum + b.count, 0)).toBe(n);
    });

    it("returns at most `limit` and says it truncated", async () => {
      const s = await fresh();
      await s.write(Array.from({ length: 30 }, (_, i) => point({ atMs: T0 + i * 10_000, value: i })));
      const page = await s.query(query({ limit: 10 }));
      expect(raw(page).map((p) => p.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(page.truncated).toBe(true);
      const whole = await s.query(query({ limit: 30 }));
      expect(whole.truncated).toBe(false);
      const perMinute = await s.query(query({ window: "1m", limit: 1 }));
      expect(buckets(perMinute).length).toBe(1);
      expect(perMinute.truncated).toBe(true);
    });

    it("counts points older than the raw retention in windowed queries", async () => {
      const s = await fresh();
      const old = Math.floor((Date.now() - 30 * 24 * HOUR) / HOUR) * HOUR;
      await s.write([
        point({ atMs: old + 1000, value: 1 }),
        point({ atMs: old + 2000, value: 3 }),
        point({ atMs: old + 2 * MINUTE, value: 8 }),
      ]);
      const hours = buckets(await s.query(query({ window: "1h", from: iso(old), to: iso(old + HOUR) })));
      expect(hours.map((b) => [b.start, b.min, b.max, b.count])).toEqual([[iso(old), 1, 8, 3]]);
      expect(hours[0]?.mean).toBeCloseTo(4, 9);
    });

    it("counts old summaries by their readings and skips old excursion-window readings", async () => {
      const s = await fresh();
      const old = Math.floor((Date.now() - 30 * 24 * HOUR) / HOUR) * HOUR;
      await s.write([
        point({ atMs: old, value: 3, summary: { periodS: 60, min: 1, max: 6, count: 4 } }),
        point({ atMs: old + 1000, value: 40, detail: true }),
        point({ atMs: old + 2 * MINUTE, value: 8 }),
      ]);
      const hours = buckets(await s.query(query({ window: "1h", from: iso(old), to: iso(old + HOUR) })));
      expect(hours.map((b) => [b.start, b.min, b.max, b.count])).toEqual([[iso(old), 1, 8, 5]]);
      expect(hours[0]?.mean).toBeCloseTo((3 * 4 + 8) / 5, 9);
    });
  });
}
