import { InfluxTelemetryStore } from "@tally/cloud";
import { afterAll, describe, expect, it } from "vitest";
import { probeInflux } from "../support/influxdb.js";
import { telemetryStoreContract } from "./telemetry-store-contract.js";

// The skip decision must be known before collection; in CI a missing InfluxDB throws here.
const influx = await probeInflux();

if ("unavailable" in influx) {
  describe("TelemetryStore contract: influxdb", () => {
    it.skip(`skipped: ${influx.unavailable}`, () => undefined);
  });
} else {
  const run = `t${Date.now().toString(36)}`;
  let count = 0;
  const database = () => {
    count += 1;
    return `${run}_${count}`;
  };
  afterAll(async () => {
    await influx.stop();
  });
  // One database per test: each starts empty.
  telemetryStoreContract("influxdb", async () => new InfluxTelemetryStore({ url: influx.database(database()) }));

  describe("InfluxDB telemetry store: retention and rollups", () => {
    const HOUR = 3_600_000;

    it("creates the retention policies and the 1-minute continuous query once", async () => {
      const db = database();
      for (let i = 0; i < 2; i++) {
        const store = new InfluxTelemetryStore({ url: influx.database(db) });
        expect(await store.query({ fromMs: 0, toMs: Date.now(), window: "raw", limit: 1 })).toMatchObject({
          points: [],
        });
        await store.close();
      }
      type Series = { name?: string; values?: unknown[][] };
      const show = async (q: string): Promise<Series[]> => {
        const res = await fetch(`${influx.url}/query?db=${db}&q=${encodeURIComponent(q)}`);
        const body = (await res.json()) as { results: { series?: Series[] }[] };
        return body.results[0]?.series ?? [];
      };
      const policies = JSON.stringify(await show(`SHOW RETENTION POLICIES ON "${db}"`));
      expect(policies).toContain('"tally_raw","168h0m0s"');
      expect(policies).toContain('"tally_rollup","9600h0m0s"');
      // Every database's continuous queries are listed, grouped by database: this one's has exactly one.
      const cqs = (await show("SHOW CONTINUOUS QUERIES")).find((s) => s.name === db)?.values ?? [];
      expect(cqs.map((row) => row[0])).toEqual(["tally_telemetry_1m"]);
      expect(String(cqs[0]?.[1])).toContain("RESAMPLE EVERY 1m FOR 2h");
    });

    it("replaces a continuous query from before summaries with one that aggregates them", async () => {
      const db = database();
      const q = async (text: string) => {
        const res = await fetch(`${influx.url}/query?db=${db}&q=${encodeURIComponent(text)}`, { method: "POST" });
        return (await res.json()) as { results: { series?: { name?: string; values?: unknown[][] }[] }[] };
      };
      await q(`CREATE DATABASE "${db}"`);
      await q(`CREATE RETENTION POLICY "tally_raw" ON "${db}" DURATION 7d REPLICATION 1`);
      await q(`CREATE RETENTION POLICY "tally_rollup" ON "${db}" DURATION 400d REPLICATION 1`);
      await q(
        `CREATE CONTINUOUS QUERY "tally_telemetry_1m" ON "${db}" RESAMPLE EVERY 1m FOR 2h BEGIN
         SELECT min("value") AS "min", max("value") AS "max", sum("value") AS "sum", count("value") AS "count"
         INTO "${db}"."tally_rollup"."telemetry_1m" FROM "${db}"."tally_raw"."telemetry" GROUP BY time(1m), * END`,
      );
      const store = new InfluxTelemetryStore({ url: influx.database(db) });
      expect(await store.query({ fromMs: 0, toMs: Date.now(), window: "raw", limit: 1 })).toMatchObject({ points: [] });
      await store.close();
      const cqs = (await q("SHOW CONTINUOUS QUERIES")).results[0]?.series?.find((s) => s.name === db)?.values ?? [];
      expect(cqs.map((row) => row[0])).toEqual(["tally_telemetry_1m"]);
      const definition = String(cqs[0]?.[1]);
      expect(definition).toMatch(/sum\(\\?"?count\\?"?\)/);
      expect(definition).toContain("detail");
      expect(definition).not.toMatch(/min\(\\?"?value/);
    });

    it("rolls up points that arrive later than the continuous query looks back, and answers old ranges from the rollup", async () => {
      const db = database();
      const writer = new InfluxTelemetryStore({ url: influx.database(db) });
      const t0 = Math.floor((Date.now() - 5 * HOUR) / HOUR) * HOUR;
      const at = (ms: number) => new Date(ms).toISOString();
      const base = { siteId: "S1", deviceId: "T1", metric: "temperature", unit: "Cel", location: "S1/COLD/B1" };
      await writer.write([
        { ...base, id: "a", at: at(t0 + 1000), value: 2 },
        { ...base, id: "b", at: at(t0 + 2000), value: 6 },
        { ...base, id: "c", at: at(t0 + 61_000), value: 1 },
      ]);
      // The same database seen ten days later: the range is past the raw retention, so the rollup answers.
      const later = new InfluxTelemetryStore({ url: influx.database(db), now: () => Date.now() + 10 * 24 * HOUR });
      const result = await later.query({ fromMs: t0, toMs: t0 + HOUR, window: "1h", limit: 10 });
      expect(result.window === "1h" && result.buckets).toEqual([
        {
          ...{ siteId: "S1", deviceId: "T1", metric: "temperature", unit: "Cel" },
          start: at(t0),
          min: 1,
          mean: 3,
          max: 6,
          count: 3,
        },
      ]);
      await writer.close();
      await later.close();
    });
  });
}
