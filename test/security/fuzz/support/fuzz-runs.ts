import fc from "fast-check";
import { recordFuzzRun } from "./fuzz-report.js";

/** Cases the whole suite runs in CI; each property's share is written beside it and they add up to this. */
export const DEFAULT_TOTAL_RUNS = 100_000;

/** Most milliseconds one case may take (one parse, one request, one batch): far above normal, far below a hang. */
export const CASE_BUDGET_MS = Number(process.env.TALLY_FUZZ_CASE_MS ?? 2_000);

function scale(): number {
  const total = Number(process.env.TALLY_FUZZ_RUNS ?? DEFAULT_TOTAL_RUNS);
  return Number.isFinite(total) && total > 0 ? total / DEFAULT_TOTAL_RUNS : 1;
}

/** A property's share of the cases, scaled by `TALLY_FUZZ_RUNS` (the suite's total). */
export function runsFor(share: number): number {
  return Math.max(1, Math.round(share * scale()));
}

/** A test timeout for a property of heavy cases, grown with `TALLY_FUZZ_RUNS`. */
export function fuzzTimeout(ms: number): number {
  return Math.round(ms * Math.max(1, scale()));
}

function parameters<T>(share: number): fc.Parameters<T> {
  const seed = process.env.TALLY_FUZZ_SEED;
  const path = process.env.TALLY_FUZZ_PATH;
  const runs = runsFor(share);
  return {
    numRuns: runs,
    // A safety net, not the check: a property that would run far past its share of the time stops and fails.
    interruptAfterTimeLimit: fuzzTimeout(Math.max(150_000, runs * 50)),
    markInterruptAsFailure: true,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  };
}

/**
 * Runs a property for its share of cases, counts it in the fuzz report, and
 * fails with fast-check's report (seed and path to replay) when a case fails.
 */
export function fuzz<T>(suite: string, property: fc.IProperty<T>, share: number): void {
  const details = fc.check(property, parameters<T>(share));
  recordFuzzRun(suite, details.numRuns, details.failed);
  if (details.failed) throw failure(fc.defaultReportMessage(details), details.errorInstance);
}

/** `fuzz` for async properties (requests, commits). */
export async function fuzzAsync<T>(suite: string, property: fc.IAsyncProperty<T>, share: number): Promise<void> {
  const details = await fc.check(property, parameters<T>(share));
  recordFuzzRun(suite, details.numRuns, details.failed);
  if (details.failed) throw failure(await fc.asyncDefaultReportMessage(details), details.errorInstance);
}

/** fast-check's report (seed, path, counterexample) with the failing case's own error under it. */
function failure(report: string | undefined, error: unknown): Error {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new Error(`${report ?? "fuzz property failed"}\nThe case failed with: ${why.slice(0, 4000)}`, {
    cause: error,
  });
}

/** CPU time this process has used, ms (user + system, every thread). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Fails when a case used more CPU than the budget. CPU, not wall-clock time: a
 * parser that does unbounded work burns CPU, while a case that was only kept
 * waiting by other processes on a loaded machine does not (a full run once
 * measured a 50 ms parse at 2,067 ms of wall time). A case that waits forever
 * without working is the test timeout's to catch.
 */
function checkBudget(what: string, cpuStarted: number, wallStarted: number): void {
  const cpu = cpuMs() - cpuStarted;
  if (cpu > CASE_BUDGET_MS) {
    const wall = performance.now() - wallStarted;
    throw new Error(
      `${what} used ${cpu.toFixed(0)} ms of CPU (${wall.toFixed(0)} ms of wall time); the budget is ${CASE_BUDGET_MS} ms`,
    );
  }
}

/** Runs `work` and fails when it used more CPU than the per-case budget: parsers must do bounded work. */
export function withinBudget<T>(what: string, work: () => T): T {
  const wallStarted = performance.now();
  const cpuStarted = cpuMs();
  const result = work();
  checkBudget(what, cpuStarted, wallStarted);
  return result;
}

/** `withinBudget` for async work (the process's CPU over the whole of it: the server in the process included). */
export async function withinBudgetAsync<T>(what: string, work: () => Promise<T>): Promise<T> {
  const wallStarted = performance.now();
  const cpuStarted = cpuMs();
  const result = await work();
  checkBudget(what, cpuStarted, wallStarted);
  return result;
}
