import { randomBytes } from "node:crypto";
import { type CloudOptions, type RunningCloud, startCloud } from "@tally/cloud";
import type { EdgeOptions } from "@tally/edge";
import type { SiteLayout } from "@tally/protocols";
import { cloudSetup, type RunningSimulators, startSimulators, startTcpProxy, type TcpProxy } from "@tally/simulators";
import type { Logger } from "pino";
import type { ManagedEdge, SystemEdge, SystemEdgeLaunch } from "./system-edge.js";
import { startChildEdge } from "./system-edge-child.js";
import { startInProcessEdge } from "./system-edge-in-process.js";

export type { SystemEdge } from "./system-edge.js";

export interface SystemOptions {
  site: SiteLayout;
  logger: Logger;
  http: { host: string; port: number };
  /** The cloud's embedded broker (edge → cloud); port 0 = any free port. */
  cloudMqttPort: number;
  /** The edge's embedded broker for devices; port 0 = any free port. */
  deviceMqttPort: number;
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Telemetry in InfluxDB 1.x (`TALLY_INFLUX_URL`); none: the embedded store. */
  influxUrl?: string | undefined;
  /** `TALLY_TELEMETRY_HANDOFF_MAX`: telemetry the ledger keeps for an absent telemetry store. */
  telemetryHandoffMax?: number | undefined;
  /** `TALLY_TELEMETRY_FORWARD_THREAD`: the cloud's telemetry forwarder on a thread of its own; default off here. */
  telemetryForwardThread?: boolean | undefined;
  edgeId: string;
  /** Serve the edge's Prometheus metrics on this port (0: any free port); none by default. */
  edgeMetricsPort?: number;
  /** How often the edge asks the cloud for reference data (item master, expected receipts), ms; default 30 s. */
  referencePollMs?: number;
  /** Smart-shelf settle time, ms. */
  shelfSettleMs?: number;
  /** Start the device simulators too (default true). */
  simulators?: boolean;
  /** Edge pipeline settings over the defaults (tests break the pipeline on purpose with these). */
  pipeline?: EdgeOptions["pipeline"];
  /** Put a TCP proxy between the edge's uplink and the cloud's broker, so `uplink("cut")` works. Default false. */
  uplinkProxy?: boolean;
  /**
   * Run the edge as a child process (`tally edge`), so `restartEdge` kills it
   * with SIGKILL like a crash, instead of closing it in this process. Not
   * with `pipeline` overrides (a child takes its settings from the environment).
   */
  edgeProcess?: boolean;
  /** The cloud's alert policy file, sweep interval and task due times (`TALLY_ALERT_POLICY`, …); defaults without. */
  alerts?: Pick<CloudOptions, "alertPolicyFile" | "alertSweepMs" | "taskDue">;
}

export interface RunningSystem {
  cloud: RunningCloud;
  /** An admin's bearer token for this system's cloud (made at start, never stored): for setup and scoring. */
  adminToken: string;
  /** The edge running now (a new one after `restartEdge`). */
  readonly edge: SystemEdge;
  simulators: RunningSimulators | undefined;
  /**
   * Stops the edge and starts it again on the same device port; its journal and outbox carry over.
   * With `edgeProcess`, the stop is a SIGKILL.
   */
  restartEdge(): Promise<void>;
  /** Cuts or restores the edge's uplink; needs `uplinkProxy`. */
  uplink(state: "cut" | "restore"): Promise<void>;
  close(): Promise<void>;
}

/**
 * Cloud, edge and simulators in one process on the embedded defaults: what
 * `tally up` runs, what `tally sim run` starts in-process, and what the
 * end-to-end tests drive. The site file is imported into the cloud
 * (`PUT /v1/sites/{id}/layout`) before the edge starts. Stops in reverse order.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { site, logger } = options;
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => logger.error({ err: (error as Error).message }, "error while stopping"));
    }
  };
  try {
    const cloud = await startSystemCloud(options);
    stops.push(() => cloud.close());
    const edgeToken = addEdgeCredential(cloud, options);
    // The site's zones, locations and item master, as an administrator imports them: what edges get as
    // reference data, what stock alerts come from. Before the edge starts, so its first copy has them.
    // With the cloud's own admin token: writes always need one, even on the loopback in development.
    await cloudSetup({ apiUrl: cloud.url, token: cloud.adminToken }).importSite(site);
    const proxy = options.uplinkProxy === true ? await startUplinkProxy(cloud.mqttUrl) : undefined;
    if (proxy !== undefined) stops.push(() => proxy.close());
    const uplinkMqttUrl = proxy !== undefined ? `mqtt://${proxy.host}:${proxy.port}` : cloud.mqttUrl;
    const edge = await startSystemEdge(options, { uplinkMqttUrl, cloudUrl: cloud.url, edgeToken });
    stops.push(() => edge.close());
    let simulators: RunningSimulators | undefined;
    if (options.simulators !== false) {
      const started = await startSimulators({ site, mqttUrl: edge.view().deviceMqttUrl, logger });
      simulators = started;
      stops.push(() => started.close());
      // An edge in this process says when its shelves are monitored; a child process retries on its own.
      const { waiting } = await edge.shelvesReady(20_000);
      if (waiting.length > 0) logger.warn({ waiting }, "OPC-UA shelves not monitored yet; their weights will be late");
    }
    return {
      cloud,
      adminToken: cloud.adminToken,
      get edge() {
        return edge.view();
      },
      simulators,
      restartEdge: () => edge.restart(),
      uplink: (state) => uplinkFault(proxy, state, logger),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The system's cloud: its embedded broker, this system's stores, alert settings and logger. */
function startSystemCloud(options: SystemOptions): Promise<RunningCloud> {
  return startCloud({
    host: options.http.host,
    port: options.http.port,
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    influxUrl: options.influxUrl,
    telemetryHandoffMax: options.telemetryHandoffMax,
    telemetryForwardThread: options.telemetryForwardThread,
    mqtt: { embedded: { port: options.cloudMqttPort } },
    ...options.alerts,
    logger: options.logger,
  });
}

/**
 * The edge's credential at the cloud, made now and never stored (the system's own calls use the cloud's
 * admin token): the edge ↔ cloud link is authenticated in every mode, development included.
 */
function addEdgeCredential(cloud: RunningCloud, options: SystemOptions): string {
  const edgeToken = randomBytes(32).toString("base64url");
  cloud.credentials.addInternal(edgeToken, {
    id: `internal:edge:${options.edgeId}`,
    name: `edge ${options.edgeId}`,
    role: "edge",
    sites: [options.site.siteId],
    edgeId: options.edgeId,
  });
  return edgeToken;
}

/** A TCP proxy in front of the cloud's broker, for the edge's uplink: what `uplink("cut")` cuts. */
function startUplinkProxy(cloudMqttUrl: string): Promise<TcpProxy> {
  const target = new URL(cloudMqttUrl);
  return startTcpProxy({ host: target.hostname, port: Number(target.port) });
}

/** The system's edge, in this process or (`edgeProcess`) as a child process. */
async function startSystemEdge(
  options: SystemOptions,
  link: Pick<SystemEdgeLaunch, "uplinkMqttUrl" | "cloudUrl" | "edgeToken">,
): Promise<ManagedEdge> {
  const launch: SystemEdgeLaunch = {
    site: options.site,
    logger: options.logger,
    edgeId: options.edgeId,
    dataDir: options.dataDir,
    deviceMqttPort: options.deviceMqttPort,
    edgeMetricsPort: options.edgeMetricsPort,
    referencePollMs: options.referencePollMs,
    shelfSettleMs: options.shelfSettleMs,
    pipeline: options.pipeline,
    ...link,
  };
  if (options.edgeProcess !== true) return startInProcessEdge(launch);
  if (options.pipeline !== undefined) throw new Error("startSystem: edgeProcess takes no pipeline overrides");
  return startChildEdge(launch);
}

async function uplinkFault(proxy: TcpProxy | undefined, state: "cut" | "restore", logger: Logger): Promise<void> {
  if (proxy === undefined) throw new Error("startSystem: uplink faults need uplinkProxy: true");
  if (state === "cut") proxy.cut();
  else proxy.restore();
  logger.warn({ uplink: state }, "uplink fault");
}
