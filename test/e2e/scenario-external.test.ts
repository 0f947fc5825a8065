import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningSystem, runScenario, startSystem } from "@tally/cli";
import { builtInScenarioFile, loadScenarioFile } from "@tally/simulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();

/** How often the running edge asks the cloud for reference data, ms. */
const REFERENCE_POLL_MS = 300;

// A play against an edge and cloud it did not start, as `tally sim run --mqtt-url … --api-url …` does: it knows
// them only by their URLs and an admin token, sets the site and the expected documents up over the HTTP API,
// and times commits from the cloud's broker.
describe("a scenario played against a running edge and cloud (external target)", () => {
  let dataDir: string;
  let system: RunningSystem | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tally-sim-external-"));
  });
  afterAll(async () => {
    await system?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("receiving, followed through the edge's metrics: the documents go in over the API, every task is exact", async () => {
    const loaded = await loadScenarioFile(builtInScenarioFile("receiving"));
    // The system a site runs, started apart from the play: no simulators, its own reference poll.
    system = await startSystem({
      site: loaded.site,
      logger,
      http: { host: "127.0.0.1", port: 0 },
      cloudMqttPort: 0,
      deviceMqttPort: 0,
      dataDir,
      edgeId: "edge-external",
      referencePollMs: REFERENCE_POLL_MS,
      edgeMetricsPort: 0,
      simulators: false,
    });
    const edgeMetricsUrl = system.edge.metricsUrl;
    if (edgeMetricsUrl === undefined) throw new Error("the edge serves no metrics");
    const { truth, report } = await runScenario({
      loaded,
      speed: "max",
      target: {
        external: {
          mqttUrl: system.edge.deviceMqttUrl,
          apiUrl: system.cloud.url,
          cloudMqttUrl: system.cloud.mqttUrl,
          apiToken: system.adminToken,
          // The play follows the edge through its metrics: each close after the edge drained, each change
          // once the edge has it.
          edgeMetricsUrl,
        },
      },
      logger,
    });
    // The documents the play opened and closed through the API reached the edge: tasks against them are exact.
    const kinds = ["UNKNOWN_TAG", "UNEXPECTED_ITEM", "MISSING_EXPECTED", "WRONG_ZONE", "WRONG_DOCK"];
    for (const kind of kinds) {
      const expected = truth.tasks?.filter((t) => t.taskType === kind).length ?? 0;
      expect(expected, kind).toBeGreaterThan(0);
      expect(report.details.tasks[kind], kind).toEqual({ expected, raised: expected, matched: expected });
    }
    expect(report).toMatchObject({ movementPrecision: 1, movementRecall: 1, inventoryAccuracy: 1 });
    // Commits timed from the cloud's broker, with the admin token the play was given.
    expect(report.latencyP50Ms).not.toBeNull();
    // Ten document changes (three receipts, two shipments), each waiting for the edge to have it.
  }, 240_000);
});
