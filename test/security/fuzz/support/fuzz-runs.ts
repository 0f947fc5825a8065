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

/** Runs `work` and fails when it took longer than the per-case budget: parsers must do bounded work. */
export function withinBudget<T>(what: string, work: () => T): T {
  const started = performance.now();
  const result = work();
  const ms = performance.now() - started;
  if (ms > CASE_BUDGET_MS) throw new Error(`${what} took ${ms.toFixed(0)} ms; the budget is ${CASE_BUDGET_MS} ms`);
  return result;
}

/** `withinBudget` for async work. */
export async function withinBudgetAsync<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  if (ms > CASE_BUDGET_MS) throw new Error(`${what} took ${ms.toFixed(0)} ms; the budget is ${CASE_BUDGET_MS} ms`);
  return result;
}
