import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runScenario } from "@tally/cli";
import { builtInScenarioFile, loadScenarioFile, REPORT_KEYS, type ScoreReport } from "@tally/simulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { freePort } from "../support/free-port.js";
import { testLogger } from "../support/quiet-logger.js";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../../cli/bin/tally.js", import.meta.url));

const logger = testLogger();

function expectReportShape(report: ScoreReport): void {
  for (const key of REPORT_KEYS) expect(report).toHaveProperty(key);
  for (const key of ["inventoryAccuracy", "movementPrecision", "movementRecall", "anomalyPrecision", "anomalyRecall"]) {
    const value = report[key as keyof ScoreReport];
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(1);
  }
  expect(report.events).toBeGreaterThan(0);
}

describe("built-in scenarios played in-process and scored from the cloud's real state", () => {
  it("demo: everything right, the excursion alerted, latency measured from commit acks", async () => {
    const loaded = await loadScenarioFile(builtInScenarioFile("demo"), {
      site: await demoSiteOnPort(await freePort()),
    });
    const { truth, report } = await runScenario({ loaded, speed: 2, target: { inProcess: {} }, logger });
    expectReportShape(report);
    expect(report).toMatchObject({
      inventoryAccuracy: 1,
      movementPrecision: 1,
      movementRecall: 1,
      anomalyPrecision: 1,
      anomalyRecall: 1,
      events: truth.events,
    });
    expect(report.details.movements.recorded).toBe(28);
    // The site's item master is in the cloud: GADGET at A2 falls to 3, below its reorder point 4, for real.
    expect(report.details.stockAlerts).toEqual({ raised: 1, justified: 1, lows: 1, alerted: 1 });
    expect(report.latencyP50Ms).not.toBeNull();
    expect(report.timeToAlertP50Ms).not.toBeNull();
  }, 240_000);

  it("dock-day at scale 0.05 (one truck, ~3,000 tagged items) at max speed with noisy hardware", async () => {
    const loaded = await loadScenarioFile(builtInScenarioFile("dock-day"), { scale: 0.05 });
    const { truth, report } = await runScenario({ loaded, speed: "max", target: { inProcess: {} }, logger });
    expectReportShape(report);
    expect(truth.movements.length).toBeGreaterThan(2000);
    expect(report.movementPrecision).toBeGreaterThanOrEqual(0.999);
    // Three of this truck's tags are read once in all (the realistic miss rate): no reader could move them.
    expect(report.movementRecall).toBeGreaterThanOrEqual(0.998);
    // Twelve tags stand in door 3's field for 15 minutes (device time, at max too): no movement of them.
    expect(report.details.movements).toMatchObject({ parkedTags: 12, fromParkedTags: 0 });
    // The unknown tags raise UNKNOWN_TAG tasks.
    expect(report.anomalyRecall).toBe(1);
  }, 240_000);

  it("dock-day's parked tags would be received by an edge without presence and crossing evidence (control)", async () => {
    const loaded = await loadScenarioFile(builtInScenarioFile("dock-day"), { scale: 0.05 });
    // Every burst judged afresh (a presence no longer than a burst, no burst too long to be a pass), a single
    // read a side in any order enough: a silence longer than their read period joins their reads into bursts
    // that cross the door by chance.
    const pipeline = {
      passes: {
        silenceMs: 5000,
        stationaryMs: 30 * 60_000,
        maxOpenPasses: 100_000,
        minDirectionGapMs: 100,
        presenceTimeoutMs: 5000,
        maxPassMs: 30 * 60_000,
        minReadsPerSide: 1,
        minOrder: 0.01,
      },
    };
    const { report } = await runScenario({ loaded, speed: "max", target: { inProcess: { pipeline } }, logger });
    // Each parked tag moves, most more than once (its reads, on either antenna, give passes both ways).
    expect(report.details.movements.fromParkedTags).toBeGreaterThanOrEqual(12);
    expect(report.movementPrecision).toBeLessThan(0.99);
    // A truck of tags at max speed is CPU-bound: on a loaded machine it takes well past the default 30 s.
  }, 240_000);

  it("shrinkage: theft and mis-shelving leave the ledger wrong; the mis-shelved item is flagged by weight", async () => {
    const loaded = await loadScenarioFile(builtInScenarioFile("shrinkage"));
    const { report } = await runScenario({ loaded, speed: "max", target: { inProcess: {} }, logger });
    expectReportShape(report);
    expect(report.inventoryAccuracy).toBeLessThan(1);
    expect(report.details.anomalies.scored).toBe(3);
    expect(report.details.anomalies.detected).toBeGreaterThanOrEqual(1);
    // Its last shelf drops wait out the shelf's fusion window (10 s) before the edge is drained.
  }, 240_000);

  it("receiving: each correction task kind is raised by the real edge, in the cloud, and counted", async () => {
    const loaded = await loadScenarioFile(builtInScenarioFile("receiving"));
    const { truth, report } = await runScenario({ loaded, speed: "max", target: { inProcess: {} }, logger });
    expectReportShape(report);
    const kinds = ["UNKNOWN_TAG", "UNEXPECTED_ITEM", "MISSING_EXPECTED", "WRONG_ZONE", "WRONG_DOCK"];
    expect(Object.keys(report.details.tasks).sort()).toEqual([...kinds].sort());
    for (const kind of kinds) {
      const expected = truth.tasks?.filter((t) => t.taskType === kind).length ?? 0;
      expect(expected, kind).toBeGreaterThan(0);
      // Raised = what GET /v1/tasks holds; matched = raised where, about what and when the truth says.
      expect(report.details.tasks[kind], kind).toEqual({ expected, raised: expected, matched: expected });
    }
    expect(report).toMatchObject({
      taskPrecision: 1,
      taskRecall: 1,
      anomalyPrecision: 1,
      anomalyRecall: 1,
      movementPrecision: 1,
      movementRecall: 1,
      inventoryAccuracy: 1,
      stockAlertPrecision: 1,
    });
    expect(report.details.anomalies.scored).toBe(truth.tasks?.length);
    // Pallets moved by their SSCC, from the documents the play created in the cloud.
    expect(truth.documents?.filter((d) => d.kind === "receipt")).toHaveLength(3);
    expect(truth.movements.filter((m) => m.sscc !== undefined).length).toBeGreaterThan(0);
    expect(truth.movements.filter((m) => m.movementType === "TRANSFER").length).toBeGreaterThan(0);
    // Each document waits for the edge to drain (a pass closes 2.5 s after its last read): about 40 s in all.
  }, 240_000);

  it("outage: uplink cut and an edge crash (SIGKILL) injected; once drained, the ledger is exactly right", async () => {
    const loaded = await loadScenarioFile(builtInScenarioFile("outage"));
    const { truth, report } = await runScenario({ loaded, speed: 30, target: { inProcess: {} }, logger });
    expectReportShape(report);
    expect(truth.faults?.filter((f) => f.injected).map((f) => f.kind)).toEqual([
      "uplink-cut",
      "edge-restart",
      "reader-offline",
    ]);
    // Nothing lost, nothing twice, across the cut and the crash.
    expect(report.inventoryAccuracy).toBe(1);
    expect(report.movementPrecision).toBe(1);
    expect(report.movementRecall).toBe(1);
    // The edge runs as a child process here, and the restart is a SIGKILL: starting it twice takes a while.
  }, 240_000);
});

describe("tally sim run from the command line", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tally-sim-cli-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("plays demo in-process, prints the report as one JSON line and writes it and the truth to files", async () => {
    const site = await demoSiteOnPort(await freePort());
    const siteFile = join(dir, "site.json");
    await writeFile(siteFile, JSON.stringify(site));
    const reportFile = join(dir, "report.json");
    const truthFile = join(dir, "truth.json");
    const { stdout, stderr } = await run(
      process.execPath,
      [bin, "sim", "run", "demo", "--site", siteFile, "--speed", "x2", "--report", reportFile, "--truth", truthFile],
      { env: { ...process.env, TALLY_LOG_LEVEL: "warn" }, timeout: 90_000 },
    );
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0] ?? "") as ScoreReport;
    expectReportShape(report);
    expect(report).toMatchObject({ inventoryAccuracy: 1, movementPrecision: 1, movementRecall: 1 });
    expect(JSON.parse(await readFile(reportFile, "utf8"))).toEqual(report);
    const truth = JSON.parse(await readFile(truthFile, "utf8")) as { movements: unknown[]; positions: unknown[] };
    expect(truth.movements).toHaveLength(28);
    expect(stderr).toContain("inventory accuracy");
  }, 240_000);
});
