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
import { type RunningSystem, startSystem } from "./system.js";

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
   * 30 000): after creating or closing an expected document the play waits this long plus 1 s.
   */
  referencePollMs?: number;
  /** Each device's MQTT password (device id → password) for an edge in production mode. */
  deviceCredentials?: Readonly<Record<string, string>>;
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

/** Plays against a running edge and cloud: documents change through the API, then the play waits out a poll. */
async function playExternal(options: RunScenarioOptions, target: ExternalTarget, speed: Speed): Promise<ScenarioScore> {
  const { loaded, logger } = options;
  const { mqttUrl, apiUrl, cloudMqttUrl, quietMs, apiToken, referencePollMs, deviceCredentials } = target;
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
