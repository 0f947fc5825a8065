/**
 * The compose file's Grafana reads what the cloud's InfluxDB store writes:
 * the provisioned data source names the compose InfluxDB and its database,
 * the dashboard provider loads the folder compose mounts, and every query of
 * every dashboard (panels and template variables) answers from a real
 * InfluxDB filled by `InfluxTelemetryStore`. A renamed retention policy,
 * measurement, field or tag in the store fails here.
 */
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InfluxTelemetryStore } from "@tally/cloud";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { probeInflux } from "../support/influxdb.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const GRAFANA = join(ROOT, "deploy/grafana");

const Compose = z.object({
  services: z.object({
    influxdb: z.object({ image: z.string(), environment: z.object({ INFLUXDB_DB: z.string() }) }),
    grafana: z.object({ image: z.string(), volumes: z.array(z.string()) }),
  }),
});
const Datasources = z.object({
  apiVersion: z.literal(1),
  datasources: z.array(
    z.object({ uid: z.string(), type: z.string(), url: z.string(), jsonData: z.object({ dbName: z.string() }) }),
  ),
});
const Providers = z.object({
  apiVersion: z.literal(1),
  providers: z.array(z.object({ type: z.literal("file"), options: z.object({ path: z.string() }) })),
});
const Datasource = z.object({ type: z.string(), uid: z.string() });
const Target = z.object({ refId: z.string(), datasource: Datasource, rawQuery: z.literal(true), query: z.string() });
const Dashboard = z.object({
  uid: z.string(),
  title: z.string(),
  templating: z.object({ list: z.array(z.object({ name: z.string(), datasource: Datasource, query: z.string() })) }),
  panels: z.array(z.object({ id: z.number(), title: z.string(), type: z.string(), targets: z.array(Target) })),
});
type Dashboard = z.infer<typeof Dashboard>;

const yamlFile = async (path: string): Promise<unknown> => parseYaml(await readFile(path, "utf8"));

async function dashboards(): Promise<Dashboard[]> {
  const dir = join(GRAFANA, "dashboards");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json"));
  return Promise.all(files.map(async (f) => Dashboard.parse(JSON.parse(await readFile(join(dir, f), "utf8")))));
}

/** Where compose mounts a folder of the repository in the Grafana container. */
function mountOf(volumes: readonly string[], hostPath: string): string | undefined {
  for (const v of volumes) {
    const [host, container] = v.split(":");
    if (host !== undefined && posix.normalize(host) === posix.normalize(hostPath)) return container;
  }
  return undefined;
}

describe("docker-compose and Grafana provisioning", () => {
  it("points Grafana's data source at the compose InfluxDB and its database, and loads the dashboards folder", async () => {
    const compose = Compose.parse(await yamlFile(join(ROOT, "docker-compose.yml")));
    expect(compose.services.influxdb.image).toMatch(/^influxdb:1\./);
    const dsDir = join(GRAFANA, "provisioning/datasources");
    const ds = (
      await Promise.all((await readdir(dsDir)).map(async (f) => Datasources.parse(await yamlFile(join(dsDir, f)))))
    ).flatMap((d) => d.datasources);
    const influx = ds.find((d) => d.type === "influxdb");
    expect(influx?.url).toBe("http://influxdb:8086");
    expect(influx?.jsonData.dbName).toBe(compose.services.influxdb.environment.INFLUXDB_DB);

    const volumes = compose.services.grafana.volumes;
    expect(mountOf(volumes, "./deploy/grafana/provisioning")).toBe("/etc/grafana/provisioning");
    const dashboardsIn = mountOf(volumes, "./deploy/grafana/dashboards");
    const provDir = join(GRAFANA, "provisioning/dashboards");
    const providers = (
      await Promise.all((await readdir(provDir)).map(async (f) => Providers.parse(await yamlFile(join(provDir, f)))))
    ).flatMap((p) => p.providers);
    expect(providers.map((p) => p.options.path)).toEqual([dashboardsIn]);

    const all = await dashboards();
    expect(all.map((d) => d.uid)).toContain("tally-cold-chain");
    for (const d of all) {
      for (const t of [...d.panels.flatMap((p) => p.targets), ...d.templating.list]) {
        expect(t.datasource.uid, `${d.title}: ${JSON.stringify(t)}`).toBe(influx?.uid);
      }
    }
  });
});

// The skip decision must be known before collection; in CI a missing InfluxDB throws here.
const influx = await probeInflux();

if ("unavailable" in influx) {
  describe("Grafana dashboards against InfluxDB", () => {
    it.skip(`skipped: ${influx.unavailable}`, () => undefined);
  });
} else {
  afterAll(async () => {
    await influx.stop();
  });

  type Series = { name?: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] };
  const influxQuery = async (db: string, q: string): Promise<Series[]> => {
    const res = await fetch(`${influx.url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { results: { series?: Series[]; error?: string }[] };
    const first = body.results[0];
    if (first?.error !== undefined) throw new Error(`${q}: ${first.error}`);
    return first?.series ?? [];
  };

  describe("Grafana dashboards against InfluxDB", () => {
    it("answers every panel and variable of the cold-chain dashboard from what the store wrote", async () => {
      const db = `grafana_${Date.now().toString(36)}`;
      const store = new InfluxTelemetryStore({ url: influx.database(db) });
      // Three hours back: older than the continuous query's look-back, so the store rolls these minutes up
      // itself and the rollup panels have data at once.
      const t0 = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
      const at = (ms: number) => new Date(ms).toISOString();
      const cold = { siteId: "S1", metric: "temperature", unit: "°C", location: "S1/COLD/B1" };
      await store.write([
        { ...cold, id: "a1", deviceId: "T1", at: at(t0 + 1_000), value: 3 },
        { ...cold, id: "a2", deviceId: "T1", at: at(t0 + 31_000), value: 5 },
        { ...cold, id: "b1", deviceId: "T2", at: at(t0 + 2_000), value: 7 },
        {
          ...cold,
          id: "c1",
          deviceId: "H9",
          metric: "humidity",
          unit: "%",
          location: "S1/DRY/B1",
          at: at(t0 + 3_000),
          value: 55,
        },
      ]);
      await store.close();

      const [dashboard] = (await dashboards()).filter((d) => d.uid === "tally-cold-chain");
      if (dashboard === undefined) throw new Error("no cold-chain dashboard");
      const vars: Record<string, string> = { site: "S1", zone: "COLD" };
      // What Grafana puts in place of its macros and variables before it sends a query.
      const expand = (q: string) =>
        q
          .replaceAll("$timeFilter", `time >= ${t0 - 3_600_000}ms AND time < ${t0 + 3_600_000}ms`)
          .replaceAll("$__interval", "1m")
          .replace(/\$(\w+)/g, (whole, name: string) => vars[name] ?? whole);

      const variables = Object.fromEntries(
        await Promise.all(
          dashboard.templating.list.map(async (v) => {
            const series = await influxQuery(db, expand(v.query));
            return [v.name, series.flatMap((s) => s.values.map((row) => row[1]))] as const;
          }),
        ),
      );
      expect(variables.site).toEqual(["S1"]);
      expect(variables.zone).toEqual(["COLD"]);

      const answers = new Map<string, Series[]>();
      for (const panel of dashboard.panels) {
        for (const t of panel.targets) answers.set(`${panel.title}/${t.refId}`, await influxQuery(db, expand(t.query)));
      }
      const byDevice = (key: string) =>
        Object.fromEntries(
          (answers.get(key) ?? []).map((s) => [s.tags?.deviceId, s.values.map((row) => row.slice(1))]),
        );
      const rollup = dashboard.panels.find((p) => p.title.startsWith("Zone temperature"))?.title ?? "";
      expect(byDevice(`${rollup}/A`)).toEqual({ T1: [[4]], T2: [[7]] });
      expect(byDevice(`${rollup}/B`)).toEqual({ T1: [[3]], T2: [[7]] });
      expect(byDevice(`${rollup}/C`)).toEqual({ T1: [[5]], T2: [[7]] });
      expect(byDevice("Raw readings by device/A")).toEqual({ T1: [[3], [5]], T2: [[7]] });
      const latest = answers.get("Latest readings/A") ?? [];
      expect(
        latest
          .map((s) => ({ deviceId: s.tags?.deviceId ?? "", ...s.tags, value: s.values[0]?.[1] }))
          .sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)),
      ).toEqual([
        { deviceId: "T1", metric: "temperature", unit: "°C", location: "S1/COLD/B1", value: 5 },
        { deviceId: "T2", metric: "temperature", unit: "°C", location: "S1/COLD/B1", value: 7 },
      ]);
    });
  });
}
