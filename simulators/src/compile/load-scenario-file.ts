import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseScenarioFileText, type ScenarioFile, SiteLayout, type Speed, safeParseUntrusted } from "@tally/protocols";
import type { Scenario } from "../scenario.js";
import { readSiteFile } from "../site-file.js";
import { type CompileOptions, compileScenario } from "./compile-scenario.js";
import { invalid } from "./context.js";

/** Built-in scenarios: files in `simulators/scenarios/<name>.yaml`. */
export const BUILT_IN_SCENARIOS = [
  "demo",
  "dock-day",
  "cold-chain",
  "shrinkage",
  "outage",
  "receiving",
  "hard-dock",
  "shelf-shrinkage",
] as const;
export type BuiltInScenario = (typeof BUILT_IN_SCENARIOS)[number];

/** The folder of the built-in scenario and site files. */
export const SCENARIOS_DIR = fileURLToPath(new URL("../../scenarios/", import.meta.url));

/** Path of a built-in scenario's file. */
export function builtInScenarioFile(name: BuiltInScenario): string {
  return resolve(SCENARIOS_DIR, `${name}.yaml`);
}

/** A scenario file read, its site resolved and compiled. */
export interface LoadedScenario {
  file: ScenarioFile;
  site: SiteLayout;
  scenario: Scenario;
  speed: Speed;
}

/** Reads a scenario file (YAML or JSON), its site file (relative to it) or inline site, and compiles it. */
export async function loadScenarioFile(
  path: string,
  options: CompileOptions & { site?: SiteLayout } = {},
): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw invalid(`${path}: cannot read: ${(cause as Error).message}`);
  }
  const parsed = parseScenarioFileText(text);
  if (!parsed.ok) throw invalid(`${path}: ${parsed.error.reason}`);
  const file = parsed.value;
  let site: SiteLayout;
  if (options.site !== undefined) site = options.site;
  else if (typeof file.site === "string") site = await readSiteFile(resolve(dirname(path), file.site));
  else {
    const inline = safeParseUntrusted(SiteLayout, file.site);
    if (!inline.success) throw invalid(`${path}: site: ${inline.error.issues[0]?.message ?? "invalid"}`);
    site = inline.data;
  }
  return { file, site, scenario: compileScenario(file, site, options), speed: file.speed };
}
