/**
 * One fault scenario's world: a cloud and an edge as child processes on fixed
 * free ports and their own data folders (so each can be killed and restarted
 * where it was), the demo site without its OPC-UA shelf, scan loads against
 * the edge, and the wait-then-check that ends every scenario.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerStore } from "@tally/cloud";
import type { SiteLayout } from "@tally/protocols";
import { afterEach } from "vitest";
import { demoSiteOnPort } from "../../support/demo-site.js";
import { freePort } from "../../support/free-port.js";
import { compareLedger, type LedgerReport, readLedger, type SentScan } from "./ledger-check.js";
import { type ScanLoad, startScanLoad } from "./scan-load.js";
import { TallyProcess } from "./tally-process.js";

export interface RigOptions {
  /** Names the temporary folder. */
  name: string;
  /** Extra TALLY_* for the cloud (e.g. TALLY_DATABASE_URL, TALLY_CLOUD_MQTT_URL for an external broker). */
  cloudEnv?: Record<string, string>;
  /** Extra TALLY_* for the edge; TALLY_UPLINK_MQTT_URL defaults to the cloud's embedded broker. */
  edgeEnv?: Record<string, string>;
  /** `node` arguments for the edge (a preload). */
  edgeNodeArgs?: string[];
  /** Changes to the site (the demo site without its OPC-UA shelf) before the edge and cloud get it. */
  site?: (site: SiteLayout) => SiteLayout;
}

export interface Rig {
  readonly dir: string;
  readonly site: SiteLayout;
  readonly apiUrl: string;
  /** The cloud's embedded broker (unless the cloud was given an external one). */
  readonly cloudMqttUrl: string;
  readonly cloudMqttPort: number;
  readonly deviceUrl: string;
  readonly metricsUrl: string;
  readonly cloud: TallyProcess;
  readonly edge: TallyProcess;
  /** Starts a scanner publishing `count` scans to the edge (see `startScanLoad`). */
  load(options: { count: number; seed: number; tag: string; window?: number; ratePerS?: number }): Promise<ScanLoad>;
  /** The edge's metrics, or undefined while it does not answer. */
  edgeMetrics(): Promise<Map<string, number> | undefined>;
  /**
   * Waits for the loads to be acknowledged and the edge's outbox to empty, then
   * for the ledger to hold every acknowledged scan (or `timeoutMs`), and
   * reports what it holds against what was sent.
   */
  settle(loads: readonly ScanLoad[], timeoutMs: number): Promise<LedgerReport>;
  /** A timestamped line on stderr: where a scenario is, and how long each phase took. */
  note(message: string): void;
  /** Kills what still runs and, unless `keep`, deletes the folder. */
  close(keep: boolean): Promise<void>;
}

const SCANNER = "scanner-1";

export async function startRig(options: RigOptions): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), `tally-fault-${options.name}-`));
  // The shelf talks OPC-UA to a server no scenario runs: without it the edge does not spend its time redialling.
  const demo = await demoSiteOnPort(await freePort());
  const withoutShelf: SiteLayout = { ...demo, devices: demo.devices.filter((d) => d.kind !== "shelf") };
  const site = options.site?.(withoutShelf) ?? withoutShelf;
  const siteFile = join(dir, "site.json");
  await writeFile(siteFile, JSON.stringify(site));
  const [httpPort, cloudMqttPort, devicePort, metricsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const cloudMqttUrl = `mqtt://127.0.0.1:${cloudMqttPort}`;
  const deviceUrl = `mqtt://127.0.0.1:${devicePort}`;
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  // What an administrator does before the edge may send: the site imported into the ledger (before the cloud
  // first runs, so no batch finds it missing) and a credential for the edge, here given to both by environment.
  const ledger = await createLedgerStore(
    options.cloudEnv?.TALLY_DATABASE_URL !== undefined
      ? { databaseUrl: options.cloudEnv.TALLY_DATABASE_URL }
      : { dataDir: join(dir, "cloud-data") },
  );
  await ledger.importSite(site);
  await ledger.close();
  const edgeToken = randomBytes(24).toString("hex");
  const cloud = new TallyProcess({
    kind: "cloud",
    logFile: join(dir, "cloud.log"),
    env: {
      TALLY_HTTP_PORT: String(httpPort),
      TALLY_CLOUD_MQTT_PORT: String(cloudMqttPort),
      TALLY_DATA_DIR: join(dir, "cloud-data"),
      TALLY_API_TOKENS: `edge@${site.siteId}/edge-f:${edgeToken}`,
      ...options.cloudEnv,
    },
  });
  const edge = new TallyProcess({
    kind: "edge",
    logFile: join(dir, "edge.log"),
    ...(options.edgeNodeArgs !== undefined && { nodeArgs: options.edgeNodeArgs }),
    env: {
      TALLY_SITE_FILE: siteFile,
      TALLY_EDGE_ID: "edge-f",
      TALLY_EDGE_MQTT_PORT: String(devicePort),
      TALLY_EDGE_METRICS_PORT: String(metricsPort),
      TALLY_UPLINK_MQTT_URL: cloudMqttUrl,
      TALLY_DATA_DIR: join(dir, "edge-data"),
      TALLY_CLOUD_URL: "none",
      TALLY_CLOUD_TOKEN: edgeToken,
      ...options.edgeEnv,
    },
  });
  const scanner = site.devices.find((d) => d.id === SCANNER);
  if (scanner === undefined || !("location" in scanner)) throw new Error(`the demo site has no ${SCANNER}`);
  const items = site.items.flatMap((i) => i.gtins.slice(0, 1).map((gtin) => ({ sku: i.sku, gtin })));
  const loads: ScanLoad[] = [];
  const startedAt = Date.now();

  const edgeMetrics = async () => {
    try {
      const response = await fetch(metricsUrl);
      return response.ok ? parseMetrics(await response.text()) : undefined;
    } catch {
      return undefined;
    }
  };
  const cloudBatches = async () => {
    try {
      const response = await fetch(`${apiUrl}/metrics`);
      return response.ok ? parseMetrics(await response.text()).get("tally_cloud_batches_total") : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    dir,
    site,
    apiUrl,
    cloudMqttUrl,
    cloudMqttPort,
    deviceUrl,
    metricsUrl,
    cloud,
    edge,
    load: async (o) => {
      const load = await startScanLoad({
        url: deviceUrl,
        siteId: site.siteId,
        deviceId: SCANNER,
        location: scanner.location,
        items,
        ...o,
      });
      loads.push(load);
      return load;
    },
    edgeMetrics,
    note: (message) => {
      process.stderr.write(`[fault ${options.name} +${((Date.now() - startedAt) / 1000).toFixed(1)} s] ${message}\n`);
    },
    settle: async (settling, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      const sent = new Map<string, SentScan>();
      const acked = new Set<string>();
      const report = async () => {
        sent.clear();
        acked.clear();
        for (const l of settling) {
          for (const [lot, scan] of l.sent) sent.set(lot, scan);
          for (const lot of l.acked) acked.add(lot);
        }
        return compareLedger(sent, acked, await readLedger(apiUrl));
      };
      await Promise.race([Promise.all(settling.map((l) => l.done)), pause(Math.max(0, deadline - Date.now()))]);
      let previous: LedgerReport | undefined;
      for (;;) {
        const metrics = await edgeMetrics();
        if (metrics?.get("tally_edge_outbox_depth") === 0) {
          const first = await report();
          // Nothing left to send and the ledger no longer changes: what is missing will not come.
          const stuck = previous !== undefined && previous.movements === first.movements && first.lost > 0;
          previous = first;
          if (first.lost === 0 || stuck) {
            // Let the cloud finish what is still on its way (late resends), then look again.
            let before = await cloudBatches();
            for (;;) {
              await pause(500);
              const now = await cloudBatches();
              if (now === before || Date.now() > deadline) break;
              before = now;
            }
            return report();
          }
        } else {
          previous = undefined;
        }
        if (Date.now() > deadline) return report();
        await pause(1000);
      }
    },
    close: async (keep) => {
      for (const l of loads) await l.close();
      await edge.kill9();
      await cloud.kill9();
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Prometheus text → value by metric name (series of one name summed over their labels). */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const [, name = "", , value = ""] = match;
    values.set(name, (values.get(name) ?? 0) + Number(value));
  }
  return values;
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * For a test file: `const rig = rigs();` then `await rig({ name })` in a test.
 * After each test every rig is killed; a failed test's folder (logs, data) is kept and named on stderr.
 */
export function rigs(): (options: RigOptions) => Promise<Rig> {
  const started: Rig[] = [];
  afterEach(async (context) => {
    const failed = context.task.result?.state === "fail";
    for (const rig of started.splice(0)) {
      await rig.close(failed);
      if (failed) process.stderr.write(`fault scenario kept for inspection: ${rig.dir}\n`);
    }
  });
  return async (options) => {
    const rig = await startRig(options);
    started.push(rig);
    return rig;
  };
}
