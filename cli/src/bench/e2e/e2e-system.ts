import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hashPassword, newDevicePassword, putDeviceCredential } from "@tally/edge/security";
import type { SiteLayout } from "@tally/protocols";
import { cloudSetup } from "@tally/simulators";
import { type EdgeProcess, freeTcpPort, spawnEdgeProcess } from "../../edge-process.js";
import { scrapeMetrics } from "../../prometheus-text.js";
import { type JsonLinesProcess, spawnJsonLines } from "./json-lines-process.js";

const TALLY_BIN = fileURLToPath(new URL("../../../bin/tally.js", import.meta.url));
/** How long `tally cloud` may take to say it is up, ms (tsx compiles on first start). */
const START_TIMEOUT_MS = 60_000;
export const BENCH_EDGE_ID = "bench-edge";
/**
 * The per-device message rate the bench's edge allows (TALLY_DEVICE_MAX_MSG_RATE).
 * The default (2,000/s) guards against one runaway device; the bench drives
 * the whole path from one device per case, so the guard would be what it
 * measured. Its waits are reported (`rateLimited`) so a run that met it shows.
 */
export const BENCH_DEVICE_MAX_MSG_RATE = 10_000_000;

/** A cloud and an edge, each `tally` in a process of its own with its own data folder. */
export interface E2eSystem {
  apiUrl: string;
  adminToken: string;
  cloudPid: number;
  edge: EdgeProcess;
  /** MQTT password of each device (its id is its username and client id). */
  devicePasswords: ReadonlyMap<string, string>;
  /** The cloud's Prometheus metrics by name (labels summed). */
  cloudMetrics(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** The parent's environment without its `TALLY_*` settings: the children get only the bench's. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("TALLY_")));
}

/**
 * Starts `tally cloud` (embedded broker, SQLite, or PostgreSQL at
 * `databaseUrl`), imports the site, then starts `tally edge` in production
 * mode with a device credentials file and the cloud's edge credential: the
 * path a deployment runs, on the loopback.
 */
export async function startE2eSystem(options: {
  root: string;
  site: SiteLayout;
  databaseUrl?: string | undefined;
}): Promise<E2eSystem> {
  const { root, site } = options;
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const adminToken = randomBytes(24).toString("base64url");
    const edgeToken = randomBytes(24).toString("base64url");
    const cloudDir = join(root, "cloud");
    const edgeDir = join(root, "edge");
    await mkdir(cloudDir, { recursive: true });
    await mkdir(edgeDir, { recursive: true });
    // Node's own flags for the cloud, as for the edge below.
    const cloudNodeArgs = (process.env.TALLY_BENCH_CLOUD_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
    const cloud: JsonLinesProcess = spawnJsonLines([...cloudNodeArgs, TALLY_BIN, "cloud"], {
      ...cleanEnv(),
      TALLY_HTTP_HOST: "127.0.0.1",
      TALLY_HTTP_PORT: "0",
      TALLY_CLOUD_MQTT_HOST: "127.0.0.1",
      TALLY_CLOUD_MQTT_PORT: "0",
      TALLY_DATA_DIR: cloudDir,
      TALLY_API_TOKENS: `admin:${adminToken},edge@${site.siteId}/${BENCH_EDGE_ID}:${edgeToken}`,
      // The bench polls the cloud's metrics and pages its movements: not what the API's budget is for.
      TALLY_API_RATE_MAX: "1000000",
      TALLY_LOG_LEVEL: "warn",
      ...(options.databaseUrl !== undefined && { TALLY_DATABASE_URL: options.databaseUrl }),
    });
    stops.push(() => cloud.stop());
    const up = await cloud.next("cloud-up", START_TIMEOUT_MS);
    const apiUrl = String(up.api);
    const brokerUrl = String(up.broker);
    await cloudSetup({ apiUrl, token: adminToken }).importSite(site);

    const siteFile = join(root, "site.json");
    await writeFile(siteFile, JSON.stringify(site));
    const credentialsFile = join(root, "devices.json");
    const devicePasswords = new Map<string, string>();
    for (const device of site.devices) {
      const password = newDevicePassword();
      await putDeviceCredential(credentialsFile, device.id, await hashPassword(password));
      devicePasswords.set(device.id, password);
    }
    const edge = await spawnEdgeProcess({
      siteFile,
      edgeId: BENCH_EDGE_ID,
      dataDir: edgeDir,
      devicePort: await freeTcpPort(),
      metricsPort: await freeTcpPort(),
      uplinkMqttUrl: brokerUrl,
      cloudUrl: apiUrl,
      cloudToken: edgeToken,
      // Node's own flags for the edge, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
      nodeArgs: (process.env.TALLY_BENCH_EDGE_NODE_ARGS ?? "").split(" ").filter((a) => a !== ""),
      env: {
        TALLY_MODE: "production",
        TALLY_DEVICE_CREDENTIALS_FILE: credentialsFile,
        TALLY_DEVICE_MAX_MSG_RATE: String(BENCH_DEVICE_MAX_MSG_RATE),
        TALLY_LOG_LEVEL: "warn",
      },
    });
    stops.push(() => edge.close());
    const metricsUrl = `${apiUrl}/metrics`;
    return {
      apiUrl,
      adminToken,
      cloudPid: cloud.pid,
      edge,
      devicePasswords,
      cloudMetrics: () => scrapeMetrics(metricsUrl, adminToken),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
