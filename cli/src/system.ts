import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type CloudOptions, type RunningCloud, startCloud } from "@tally/cloud";
import { DEFAULT_PIPELINE_CONFIG, type EdgeOptions, pipelineSettleMs, type RunningEdge, startEdge } from "@tally/edge";
import type { SiteLayout } from "@tally/protocols";
import {
  type CloudSetup,
  cloudSetup,
  type ExpectedDocument,
  type GroundTruth,
  type LoadedScenario,
  type PlayProgress,
  type RunningSimulators,
  readCloudState,
  type ScoreReport,
  scoreRun,
  siteAtSpeed,
  startSimulators,
  startTcpProxy,
  type TcpProxy,
  trackCommits,
  waitForQuietCloud,
} from "@tally/simulators";
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

/** Where `runScenario` plays: a system it starts in this process, or a running edge and cloud. */
export type ScenarioTarget =
  | {
      inProcess: {
        /** Default: a fresh temporary folder, removed afterwards. */
        dataDir?: string;
        edgeId?: string;
        shelfSettleMs?: number;
        pipeline?: EdgeOptions["pipeline"];
      };
    }
  | {
      external: {
        /** The edge's device broker. */
        mqttUrl: string;
        /** The cloud's HTTP API. */
        apiUrl: string;
        /** The cloud's broker, to time commits from its acknowledgements (latency, time to alert). */
        cloudMqttUrl?: string;
        /** How long the cloud's state must stay unchanged to count as settled, ms. Default 3000. */
        quietMs?: number;
        /** Bearer token for what the run sets up (admin: the site layout and expected documents). */
        apiToken?: string;
        /**
         * How often the edge asks the cloud for reference data, ms (its `TALLY_REFERENCE_POLL_MS`; default
         * 30 000): after creating or closing an expected document the play waits this long plus 1 s.
         */
        referencePollMs?: number;
        /** Each device's MQTT password (device id → password) for an edge in production mode. */
        deviceCredentials?: Readonly<Record<string, string>>;
      };
    };

export interface RunScenarioOptions {
  loaded: LoadedScenario;
  /** Overrides the scenario file's speed. */
  speed?: number | "max";
  target: ScenarioTarget;
  logger: Logger;
  onProgress?: (progress: PlayProgress) => void;
}

/**
 * Plays a scenario against an edge and cloud, waits until everything the
 * edge accepted is committed, reads the cloud's state over its HTTP API and
 * scores it against the ground truth.
 */
export async function runScenario(options: RunScenarioOptions): Promise<{ truth: GroundTruth; report: ScoreReport }> {
  const { loaded, logger } = options;
  const speed = options.speed ?? loaded.speed;
  if ("external" in options.target) {
    const { mqttUrl, apiUrl, cloudMqttUrl, quietMs, apiToken, referencePollMs, deviceCredentials } =
      options.target.external;
    const setup = cloudSetup({ apiUrl, token: apiToken });
    await setup.importSite(loaded.site).catch((error: unknown) => {
      // Reads stay possible without the layout; stock alerts then have no item master to come from.
      logger.warn({ err: (error as Error).message }, "cannot import the site layout into the cloud");
    });
    const lagMs = (referencePollMs ?? 30_000) + 1000;
    const tracker = cloudMqttUrl === undefined ? undefined : await trackCommits(cloudMqttUrl, logger, apiToken);
    const sims = await startSimulators({
      site: loaded.site,
      mqttUrl,
      logger,
      ...(deviceCredentials !== undefined ? { deviceCredentials } : {}),
    });
    try {
      const truth = await sims.play(loaded.scenario, {
        speed,
        hooks: {
          documents: async (action, document) => {
            // The edge is out of reach: wait for its passes to close, and for its next poll.
            if (action === "close") await sleep(quietMs ?? 3000);
            await changeDocument(setup, action, document);
            await sleep(lagMs);
          },
        },
        ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
      });
      const quiet = await waitForQuietCloud(apiUrl, {
        ...(quietMs !== undefined && { quietMs }),
        ...(tracker !== undefined && { tracker }),
        token: apiToken,
      });
      if (!quiet) logger.warn("the cloud's state kept changing; scoring what is there");
      const observed = await readCloudState(apiUrl, tracker, apiToken);
      return { truth, report: scoreRun(truth, observed) };
    } finally {
      await sims.close();
      await tracker?.close();
    }
  }
  const target = options.target.inProcess;
  const dataDir = target.dataDir ?? (await mkdtemp(join(tmpdir(), "tally-sim-")));
  const system = await startSystem({
    // The edge's device-time thresholds run at the play's speed, as device timestamps do.
    site: siteAtSpeed(loaded.site, speed),
    logger,
    http: { host: "127.0.0.1", port: 0 },
    cloudMqttPort: 0,
    deviceMqttPort: 0,
    dataDir,
    edgeId: target.edgeId ?? "edge-sim",
    shelfSettleMs: target.shelfSettleMs ?? 200,
    uplinkProxy: true,
    // A scenario that restarts the edge gets a real crash: the edge runs as a child process and is killed with SIGKILL.
    edgeProcess:
      target.pipeline === undefined &&
      loaded.scenario.steps.some((step) => step.kind === "system" && step.action === "edge-restart"),
    // Expected documents reach the edge within a poll: the play waits for that after each one.
    referencePollMs: REFERENCE_POLL_MS,
    ...(target.pipeline !== undefined && { pipeline: target.pipeline }),
  });
  let tracker: Awaited<ReturnType<typeof trackCommits>> | undefined;
  try {
    tracker = await trackCommits(system.cloud.mqttUrl, logger, system.adminToken);
    const sims = system.simulators;
    if (sims === undefined) throw new Error("simulators did not start");
    const setup = cloudSetup({ apiUrl: system.cloud.url, token: system.cloud.adminToken });
    /** What the simulators had sent when the running edge started (it counts what it received from then on). */
    let sentBeforeEdge = 0;
    // The site's item master, zones and locations, as an administrator would import them.
    // startSystem imported the site; the edge's first copy of the reference data must be in before documents change it.
    if (!(await edgeHasReferenceSince(system, 0))) throw new Error("the edge got no reference data from the cloud");
    const truth = await sims.play(loaded.scenario, {
      speed,
      // A putaway from a dock door waits until the edge can have closed the passes that stocked it.
      passGapMs: pipelineSettleMs({ ...DEFAULT_PIPELINE_CONFIG, ...target.pipeline }),
      hooks: {
        uplink: (state) => system.uplink(state),
        restartEdge: async () => {
          await system.restartEdge();
          sentBeforeEdge = sims.acknowledged();
        },
        documents: async (action, document) => {
          if (action === "close") {
            // A receipt closes once the edge has finished with the pallets before it: it has every message
            // the broker acknowledged (delivery to the edge's own client comes after), and has drained.
            if (!(await edgeReceived(system, sims.acknowledged() - sentBeforeEdge))) {
              logger.warn("the edge did not receive every acknowledged message; closing the document anyway");
            }
            await system.edge.drained();
          }
          // Taken before the change: the edge has seen every earlier one, so a newer copy carries this one.
          const since = Date.now();
          await changeDocument(setup, action, document);
          if (!(await edgeHasReferenceSince(system, since))) {
            throw new Error(`the edge did not see expected ${document.kind} change within ${REFERENCE_WAIT_MS} ms`);
          }
        },
      },
      ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
    });
    await settleEdge(system, target.shelfSettleMs ?? 200);
    const observed = await readCloudState(system.cloud.url, tracker, system.cloud.adminToken);
    return { truth, report: scoreRun(truth, observed) };
  } finally {
    await tracker?.close();
    await system.close();
    if (target.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  }
}

/** How often an in-process edge asks the cloud for reference data during a scenario, ms. */
const REFERENCE_POLL_MS = 100;
/** Longest wait for an in-process edge to see a changed expected document, ms. */
const REFERENCE_WAIT_MS = 30_000;

function changeDocument(setup: CloudSetup, action: "open" | "close", document: ExpectedDocument): Promise<void> {
  return action === "open" ? setup.openDocument(document) : setup.closeDocument(document);
}

/** Waits until the edge has received `count` device messages; false after `REFERENCE_WAIT_MS`. */
async function edgeReceived(system: RunningSystem, count: number): Promise<boolean> {
  const deadline = Date.now() + REFERENCE_WAIT_MS;
  while ((await system.edge.messagesReceived()) < count) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/**
 * Waits until the edge works from reference data the cloud made at or after
 * `sinceMs`. The cloud answers 304 while its content is what the edge has,
 * so when the edge had every change before `sinceMs`, a newer copy is one
 * with the change made since. False after `REFERENCE_WAIT_MS`.
 */
async function edgeHasReferenceSince(system: RunningSystem, sinceMs: number): Promise<boolean> {
  const deadline = Date.now() + REFERENCE_WAIT_MS;
  for (;;) {
    const asOf = await system.edge.referenceAsOfMs();
    if (asOf !== undefined && asOf >= sinceMs) return true;
    if (Date.now() > deadline) return false;
    await sleep(REFERENCE_POLL_MS / 2);
  }
}

/**
 * Waits until the edge has nothing left to send: its outbox is drained and no
 * new event was queued for a little longer than the shelf settle time (the
 * last weights are still being debounced when the play ends).
 */
async function settleEdge(system: RunningSystem, settleMs: number): Promise<void> {
  let queued = -1;
  for (;;) {
    await system.edge.drained();
    const now = await system.edge.eventsQueued();
    if (now === queued) return;
    queued = now;
    await sleep(settleMs + 300);
  }
}
