import { parse as parseYaml } from "yaml";
import { describeIssues } from "./device-messages.js";
import { ErrorCode, ok, type Rejection, type Result, rejected } from "./errors.js";
import { safeParseUntrusted } from "./safe-parse.js";
import { SiteLayout } from "./site-layout.js";
import { MAX_YAML_NESTING, yamlNestingDepth } from "./yaml-nesting.js";

/**
 * Parses a site layout file's text (YAML or JSON; JSON is YAML) and validates
 * it, references included. Never throws.
 */
export function parseSiteLayoutText(text: string): Result<SiteLayout, Rejection> {
  if (yamlNestingDepth(text, MAX_YAML_NESTING) > MAX_YAML_NESTING) {
    return rejected(ErrorCode.SiteLayoutInvalid, `site file nests deeper than ${MAX_YAML_NESTING} levels`);
  }
  let doc: unknown;
  try {
    // logLevel error: YAML warnings (unresolved tags…) would go to the process's stderr, past its logger.
    doc = parseYaml(text, { maxAliasCount: 100, logLevel: "error" });
  } catch (cause) {
    return rejected(ErrorCode.SiteLayoutInvalid, `site file is not valid YAML/JSON: ${(cause as Error).message}`);
  }
  const parsed = safeParseUntrusted(SiteLayout, doc);
  if (!parsed.success) return rejected(ErrorCode.SiteLayoutInvalid, `site file: ${describeIssues(parsed.error, 10)}`);
  return ok(parsed.data);
}
