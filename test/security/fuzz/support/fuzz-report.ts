import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Cases run and properties failed, per suite. */
export interface SuiteCount {
  cases: number;
  failures: number;
}

const DATA_DIR = fileURLToPath(new URL("../../../../.data/", import.meta.url));
/** The merged report `.ci/run` summarises. */
export const FUZZ_REPORT_FILE = join(DATA_DIR, "fuzz-report.json");
/** One part per suite: test files run in separate processes, each writes only its own part. */
const PARTS_DIR = join(DATA_DIR, "fuzz-report.d");

const counts = new Map<string, SuiteCount>();

/**
 * Adds a property's outcome to its suite and rewrites `.data/fuzz-report.json`
 * from every suite's part. Files run in parallel processes, so the merge is
 * checked after its rename: a part that appeared meanwhile makes it merge again,
 * and the last writer always leaves every part in the report.
 */
export function recordFuzzRun(suite: string, cases: number, failed: boolean): void {
  const count = counts.get(suite) ?? { cases: 0, failures: 0 };
  count.cases += cases;
  if (failed) count.failures += 1;
  counts.set(suite, count);
  mkdirSync(PARTS_DIR, { recursive: true });
  writeAtomically(join(PARTS_DIR, `${suite}.json`), JSON.stringify(count));
  for (let attempt = 0; attempt < 10; attempt++) {
    const merged = readParts();
    writeAtomically(FUZZ_REPORT_FILE, `${JSON.stringify(merged, null, 2)}\n`);
    if (JSON.stringify(readParts()) === JSON.stringify(merged)) return;
  }
}

function readParts(): Record<string, SuiteCount> {
  const merged: Record<string, SuiteCount> = {};
  for (const name of readdirSync(PARTS_DIR).sort()) {
    if (!name.endsWith(".json")) continue;
    try {
      merged[name.slice(0, -".json".length)] = JSON.parse(readFileSync(join(PARTS_DIR, name), "utf8")) as SuiteCount;
    } catch {
      // A part being replaced right now: its writer merges again after its own rename.
    }
  }
  return merged;
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
