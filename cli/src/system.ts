import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type CloudOptions, type RunningCloud, startCloud } from "@tally/cloud";
import { DEFAULT_PIPELINE_CONFIG, type EdgeOptions, pipelineSettleMs, type RunningEdge, startEdge } from "@tally/edge";
import type { SiteLayout } from "@tally/protocols";
import { cloudSetup, type RunningSimulators, startSimulators, startTcpProxy, type TcpProxy } from "@tally/simulators";
import type { Logger } from "pino";
import { type EdgeProcess, freeTcpPort, spawnEdgeProcess } from "./edge-process.js";

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

/** The edge of a running system: in this process, or a child process. */
export interface SystemEdge {
  readonly deviceMqttUrl: string;
  readonly metricsUrl?: string | undefined;
  /** Resolves once the edge has settled what it received and the cloud acknowledged every event. */
  drained(): Promise<void>;
  /** Events the edge has queued since it started (a counter that grows while it works). */
  eventsQueued(): Promise<number>;
  /** Device messages the edge has received since it started. */
  messagesReceived(): Promise<number>;
  /** When the cloud made the reference data the edge works from, ms since the epoch; undefined: none yet. */
  referenceAsOfMs(): Promise<number | undefined>;
  /** The edge itself when it runs in this process (its metrics, for tests); undefined for a child process. */
  readonly inProcess?: RunningEdge | undefined;
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
    const cloud = await startCloud({
      host: options.http.host,
      port: options.http.port,
      dataDir: options.dataDir,
      databaseUrl: options.databaseUrl,
      influxUrl: options.influxUrl,
      telemetryHandoffMax: options.telemetryHandoffMax,
      telemetryForwardThread: options.telemetryForwardThread,
      mqtt: { embedded: { port: options.cloudMqttPort } },
      ...options.alerts,
      logger,
    });
    stops.push(() => cloud.close());
    // The edge gets a credential made now and never stored (the system's own calls use the cloud's admin token):
    // the edge ↔ cloud link is authenticated in every mode, development included.
    const edgeToken = randomBytes(32).toString("base64url");
    cloud.credentials.addInternal(edgeToken, {
      id: `internal:edge:${options.edgeId}`,
      name: `edge ${options.edgeId}`,
      role: "edge",
      sites: [site.siteId],
      edgeId: options.edgeId,
    });
    // The site's zones, locations and item master, as an administrator imports them: what edges get as
    // reference data, what stock alerts come from. Before the edge starts, so its first copy has them.
    // With the cloud's own admin token: writes always need one, even on the loopback in development.
    await cloudSetup({ apiUrl: cloud.url, token: cloud.adminToken }).importSite(site);
    let proxy: TcpProxy | undefined;
    let uplinkUrl = cloud.mqttUrl;
    if (options.uplinkProxy === true) {
      const target = new URL(cloud.mqttUrl);
      const started = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
      proxy = started;
      stops.push(() => started.close());
      uplinkUrl = `mqtt://${started.host}:${started.port}`;
    }
    const pipeline = {
      ...options.pipeline,
      ...(options.shelfSettleMs !== undefined ? { weights: { settleMs: options.shelfSettleMs } } : {}),
    };
    const edgeOptions = (port: number): EdgeOptions => ({
      site,
      edgeId: options.edgeId,
      // Anonymous simulated devices and None/anonymous simulated shelves (decision 0005), on the loopback.
      mode: "development",
      devices: { embedded: { port } },
      uplink: { mqttUrl: uplinkUrl, token: edgeToken },
      logger,
      // A durable outbox: a restarted edge sends what it had not delivered.
      dataDir: options.dataDir,
      reference: { cloudUrl: cloud.url, token: edgeToken, pollMs: options.referencePollMs ?? 30_000 },
      ...(options.edgeMetricsPort !== undefined ? { metricsServer: { port: options.edgeMetricsPort } } : {}),
      ...(Object.keys(pipeline).length > 0 ? { pipeline } : {}),
      opcua: { secretEnv: process.env },
    });
    let edge: RunningEdge | undefined;
    let child: EdgeProcess | undefined;
    let childOptions: Parameters<typeof spawnEdgeProcess>[0] | undefined;
    if (options.edgeProcess === true) {
      if (options.pipeline !== undefined) throw new Error("startSystem: edgeProcess takes no pipeline overrides");
      const siteFile = join(options.dataDir, "site.json");
      await writeFile(siteFile, JSON.stringify(site));
      const edgeLog = logger.child({ component: "edge-process" });
      childOptions = {
        siteFile,
        edgeId: options.edgeId,
        dataDir: options.dataDir,
        devicePort: options.deviceMqttPort === 0 ? await freeTcpPort() : options.deviceMqttPort,
        metricsPort:
          options.edgeMetricsPort !== undefined && options.edgeMetricsPort !== 0
            ? options.edgeMetricsPort
            : await freeTcpPort(),
        uplinkMqttUrl: uplinkUrl,
        cloudUrl: cloud.url,
        cloudToken: edgeToken,
        referencePollMs: options.referencePollMs,
        shelfSettleMs: options.shelfSettleMs,
        onLog: (line) => edgeLog.debug(line),
      };
      child = await spawnEdgeProcess(childOptions);
    } else {
      edge = await startEdge(edgeOptions(options.deviceMqttPort));
    }
    let edgeClosed = false;
    const closeEdge = async (): Promise<void> => {
      if (edgeClosed) return;
      edgeClosed = true;
      await (child ?? edge)?.close();
    };
    stops.push(closeEdge);
    // What the child edge runs: the default pipelines with this system's shelf settle time.
    const settleMs = pipelineSettleMs({
      ...DEFAULT_PIPELINE_CONFIG,
      weights: { ...DEFAULT_PIPELINE_CONFIG.weights, settleMs: options.shelfSettleMs ?? 300 },
    });
    const systemEdge = (): SystemEdge => {
      if (edge !== undefined) {
        const inProcess = edge;
        return {
          deviceMqttUrl: inProcess.deviceMqttUrl,
          metricsUrl: inProcess.metricsUrl,
          drained: () => inProcess.drained(),
          eventsQueued: async () => inProcess.metrics().eventsQueued,
          messagesReceived: async () => inProcess.metrics().messagesReceived,
          referenceAsOfMs: async () => {
            const asOf = inProcess.metrics().referenceAsOf;
            return asOf === undefined ? undefined : Date.parse(asOf);
          },
          inProcess,
        };
      }
      const running = child as EdgeProcess;
      return {
        deviceMqttUrl: running.deviceMqttUrl,
        metricsUrl: running.metricsUrl,
        eventsQueued: async () => (await running.scrape()).get("tally_edge_events_queued_total") ?? 0,
        messagesReceived: async () => (await running.scrape()).get("tally_edge_messages_received_total") ?? 0,
        referenceAsOfMs: async () => {
          const seconds = (await running.scrape()).get("tally_edge_reference_as_of_seconds") ?? 0;
          return seconds === 0 ? undefined : seconds * 1000;
        },
        // Settled: nothing observed for longer than the pipelines hold data, and the outbox empty.
        drained: async () => {
          let last = { observations: -1, at: Date.now() };
          for (;;) {
            const metrics = await running.scrape().catch(() => undefined);
            if (metrics !== undefined) {
              const observations = metrics.get("tally_edge_observations_total") ?? 0;
              if (observations !== last.observations) last = { observations, at: Date.now() };
              else if (Date.now() - last.at >= settleMs && metrics.get("tally_edge_outbox_depth") === 0) return;
            }
            await sleep(100);
          }
        },
      };
    };
    let simulators: RunningSimulators | undefined;
    if (options.simulators !== false) {
      simulators = await startSimulators({ site, mqttUrl: systemEdge().deviceMqttUrl, logger });
      stops.push(() => (simulators as RunningSimulators).close());
      // An edge in this process says when its shelves are monitored; a child process retries on its own.
      const { waiting } = edge !== undefined ? await edge.shelvesReady(20_000) : { waiting: [] };
      if (waiting.length > 0) logger.warn({ waiting }, "OPC-UA shelves not monitored yet; their weights will be late");
    }
    return {
      cloud,
      adminToken: cloud.adminToken,
      get edge() {
        return systemEdge();
      },
      simulators,
      async restartEdge() {
        if (child !== undefined && childOptions !== undefined) {
          logger.warn({ pid: child.pid }, "killing the edge process (SIGKILL) and starting it again");
          await child.kill();
          child = await spawnEdgeProcess(childOptions);
          return;
        }
        const running = edge as RunningEdge;
        const port = Number(new URL(running.deviceMqttUrl).port);
        logger.warn({ outboxDepth: running.metrics().outboxDepth }, "restarting the edge");
        await closeEdge();
        edge = await startEdge(edgeOptions(port));
        edgeClosed = false;
      },
      async uplink(state) {
        if (proxy === undefined) throw new Error("startSystem: uplink faults need uplinkProxy: true");
        if (state === "cut") proxy.cut();
        else proxy.restore();
        logger.warn({ uplink: state }, "uplink fault");
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
