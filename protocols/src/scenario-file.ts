import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeIssues } from "./device-messages.js";
import { ErrorCode, ok, type Rejection, type Result, rejected } from "./errors.js";
import { safeParseUntrusted } from "./safe-parse.js";
import { ScenarioFault } from "./scenario-faults.js";
import { ScenarioFlow } from "./scenario-flows.js";
import { HardwareProfile } from "./scenario-hardware.js";
import { ScenarioFileStep } from "./scenario-steps.js";
import { Duration, Id, Speed } from "./scenario-units.js";
import { MAX_YAML_NESTING, yamlNestingDepth } from "./yaml-nesting.js";

export { ScenarioFault } from "./scenario-faults.js";
export { ExpectedDocuments, ScenarioFlow } from "./scenario-flows.js";
export { HardwareProfile, LingerPosition, LingerReads, ReaderQuirks } from "./scenario-hardware.js";
export { ScenarioFileStep } from "./scenario-steps.js";
export { Duration, SignedDuration, Speed } from "./scenario-units.js";

/** A temperature profile: from `at` on, every sensor in `zone` reads within [minC, maxC] °C. */
export const TemperatureProfile = z
  .object({ zone: Id, at: Duration.default(0), minC: z.number().finite(), maxC: z.number().finite() })
  .strict()
  .refine((p) => p.minC <= p.maxC, "minC must not exceed maxC");
export type TemperatureProfile = z.output<typeof TemperatureProfile>;

/**
 * A scenario file (YAML or JSON): a site, a seed, a duration, a speed, the
 * hardware's behaviour, flows of work, temperature profiles, scripted steps
 * and a fault timeline. Durations are seconds or strings with a unit.
 */
export const ScenarioFile = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
    description: z.string().max(2000).optional(),
    /** A site layout file path (relative to the scenario file) or the layout inline. */
    site: z.union([z.string().min(1).max(1000), z.record(z.string(), z.unknown())]),
    seed: z.number().int().min(0).max(4_294_967_295),
    duration: Duration,
    speed: Speed.default(1),
    hardware: HardwareProfile.default({}),
    temperature: z.array(TemperatureProfile).default([]),
    steps: z.array(ScenarioFileStep).default([]),
    flows: z.array(ScenarioFlow).default([]),
    faults: z.array(ScenarioFault).default([]),
  })
  .strict();
export type ScenarioFile = z.output<typeof ScenarioFile>;

/** Parses a scenario file's text (YAML or JSON) and validates its shape. Never throws. */
export function parseScenarioFileText(text: string): Result<ScenarioFile, Rejection> {
  if (yamlNestingDepth(text, MAX_YAML_NESTING) > MAX_YAML_NESTING) {
    return rejected(ErrorCode.ScenarioInvalid, `scenario file nests deeper than ${MAX_YAML_NESTING} levels`);
  }
  let doc: unknown;
  try {
    // logLevel error: YAML warnings (unresolved tags…) would go to the process's stderr, past its logger.
    doc = parseYaml(text, { maxAliasCount: 100, logLevel: "error" });
  } catch (cause) {
    return rejected(ErrorCode.ScenarioInvalid, `scenario file is not valid YAML/JSON: ${(cause as Error).message}`);
  }
  const parsed = safeParseUntrusted(ScenarioFile, doc);
  if (!parsed.success) return rejected(ErrorCode.ScenarioInvalid, `scenario file: ${describeIssues(parsed.error, 10)}`);
  return ok(parsed.data);
}
