import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_PIPELINE_CONFIG, type EdgeOptions, pipelineSettleMs } from "@tally/edge";
import {
  type CloudSetup,
  cloudSetup,
  type ExpectedDocument,
  type GroundTruth,
  type LoadedScenario,
  type PlayProgress,
  readCloudState,
  type ScoreReport,
  scoreRun,
  siteAtSpeed,
  startSimulators,
  trackCommits,
  waitForQuietCloud,
} from "@tally/simulators";
import type { Logger } from "pino";
import { edgeViewFromMetrics } from "./edge-metrics-view.js";
import { edgeHasReferenceSince, followingEdge, settleEdge } from "./scenario-edge-waits.js";
import { type RunningSystem, startSystem } from "./system.js";
import type { SystemEdge } from "./system-edge.js";

/** A system `runScenario` starts in this process. */
export interface InProcessTarget {
  /** Default: a fresh temporary folder, removed afterwards. */
  dataDir?: string;
  edgeId?: string;
  shelfSettleMs?: number;
  pipeline?: EdgeOptions["pipeline"];
}

/** A running edge and cloud `runScenario` plays against. */
export interface ExternalTarget {
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
   * 30 000): without `edgeMetricsUrl`, after creating or closing an expected document the play waits this
   * long plus 1 s.
   */
  referencePollMs?: number;
  /** Each device's MQTT password (device id → password) for an edge in production mode. */
  deviceCredentials?: Readonly<Record<string, string>>;
  /**
   * The edge's Prometheus metrics (`http://host:9464/metrics`). With it, document changes wait on the edge
   * itself, as in-process: before a close until it has every acknowledged message and has drained, after a
   * change until its reference data is newer. Without it they wait on the cloud's state and `referencePollMs`.
   */
  edgeMetricsUrl?: string;
}

/** Where `runScenario` plays: a system it starts in this process, or a running edge and cloud. */
export type ScenarioTarget = { inProcess: InProcessTarget } | { external: ExternalTarget };

export interface RunScenarioOptions {
  loaded: LoadedScenario;
  /** Overrides the scenario file's speed. */
  speed?: number | "max";
  target: ScenarioTarget;
  logger: Logger;
  onProgress?: (progress: PlayProgress) => void;
}

/** What a play did (the ground truth) and how the cloud's state scored against it. */
type ScenarioScore = { truth: GroundTruth; report: ScoreReport };
type Speed = number | "max";

/**
 * Plays a scenario against an edge and cloud, waits until everything the
 * edge accepted is committed, reads the cloud's state over its HTTP API and
 * scores it against the ground truth.
 */
export async function runScenario(options: RunScenarioOptions): Promise<ScenarioScore> {
  const speed = options.speed ?? options.loaded.speed;
  if ("external" in options.target) return playExternal(options, options.target.external, speed);
  return playInProcess(options, options.target.inProcess, speed);
}

/**
 * Plays against a running edge and cloud: documents change through the API, and the play follows the edge
 * through its metrics when it has them, else waits out the cloud's quiet and the edge's poll.
 */
async function playExternal(options: RunScenarioOptions, target: ExternalTarget, speed: Speed): Promise<ScenarioScore> {
  const { loaded, logger } = options;
  const { mqttUrl, apiUrl, cloudMqttUrl, quietMs, apiToken, deviceCredentials } = target;
  const followed = await followableEdge(target);
  const setup = cloudSetup({ apiUrl, token: apiToken });
  await setup.importSite(loaded.site).catch((error: unknown) => {
    // Reads stay possible without the layout; stock alerts then have no item master to come from.
    logger.warn({ err: (error as Error).message }, "cannot import the site layout into the cloud");
  });
  const tracker = cloudMqttUrl === undefined ? undefined : await trackCommits(cloudMqttUrl, logger, apiToken);
  const waitUntilQuiet = async () => {
    const quiet = await waitForQuietCloud(apiUrl, {
      ...(quietMs !== undefined && { quietMs }),
      ...(tracker !== undefined && { tracker }),
      token: apiToken,
    });
    if (!quiet) logger.warn("the cloud's state kept changing; going on");
  };
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
        documents:
          followed !== undefined
            ? followingEdge({
                edge: () => followed.edge,
                setup,
                receivedBeforeClose: () => followed.receivedBefore + sims.acknowledged(),
                logger,
              })
            : waitingOnCloud(setup, waitUntilQuiet, (target.referencePollMs ?? 30_000) + 1000),
      },
      ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
    });
    if (followed !== undefined) await settleEdge(() => followed.edge, DEFAULT_PIPELINE_CONFIG.weights.settleMs);
    await waitUntilQuiet();
    const observed = await readCloudState(apiUrl, tracker, apiToken);
    return { truth, report: scoreRun(truth, observed) };
  } finally {
    await sims.close();
    await tracker?.close();
  }
}

/**
 * The running edge seen through its metrics, and what it had received before this play (its counter runs
 * from its own start); undefined without `edgeMetricsUrl`.
 */
async function followableEdge(
  target: ExternalTarget,
): Promise<{ edge: SystemEdge; receivedBefore: number } | undefined> {
  const { edgeMetricsUrl, mqttUrl } = target;
  if (edgeMetricsUrl === undefined) return undefined;
  const settleMs = pipelineSettleMs(DEFAULT_PIPELINE_CONFIG);
  const edge = edgeViewFromMetrics({ deviceMqttUrl: mqttUrl, metricsUrl: edgeMetricsUrl }, settleMs);
  const receivedBefore = await edge.messagesReceived().catch((error: unknown) => {
    throw new Error(`cannot read the edge's metrics at ${edgeMetricsUrl}: ${(error as Error).message}`);
  });
  return { edge, receivedBefore };
}

/**
 * A play's `documents` hook for an edge out of reach: before a close it waits until the cloud's state has
 * stopped changing (the edge has closed the passes before it and sent what they moved); after any change,
 * `lagMs` for the edge's next poll.
 */
function waitingOnCloud(setup: CloudSetup, waitUntilQuiet: () => Promise<void>, lagMs: number) {
  return async (action: "open" | "close", document: ExpectedDocument): Promise<void> => {
    if (action === "close") await waitUntilQuiet();
    await (action === "open" ? setup.openDocument(document) : setup.closeDocument(document));
    await sleep(lagMs);
  };
}

/** The system a scenario plays against in this process: on free ports, behind an uplink proxy. */
function startScenarioSystem(
  options: RunScenarioOptions,
  target: InProcessTarget,
  speed: Speed,
  dataDir: string,
): Promise<RunningSystem> {
  const { loaded, logger } = options;
  return startSystem({
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
}

/** Plays against a system started here: each document change waits until the edge has it. */
async function playInProcess(
  options: RunScenarioOptions,
  target: InProcessTarget,
  speed: Speed,
): Promise<ScenarioScore> {
  const { loaded, logger } = options;
  const dataDir = target.dataDir ?? (await mkdtemp(join(tmpdir(), "tally-sim-")));
  const system = await startScenarioSystem(options, target, speed, dataDir);
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
    if (!(await edgeHasReferenceSince(system.edge, 0)))
      throw new Error("the edge got no reference data from the cloud");
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
        documents: followingEdge({
          edge: () => system.edge,
          setup,
          receivedBeforeClose: () => sims.acknowledged() - sentBeforeEdge,
          logger,
        }),
      },
      ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
    });
    await settleEdge(() => system.edge, target.shelfSettleMs ?? 200);
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
