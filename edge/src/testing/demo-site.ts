import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseSiteLayoutText, type SiteLayout } from "@tally/protocols";

/** The demo site file, parsed: a fixture for edge tests. */
export function demoSite(): SiteLayout {
  const text = readFileSync(
    fileURLToPath(new URL("../../../simulators/scenarios/demo-site.yaml", import.meta.url)),
    "utf8",
  );
  const parsed = parseSiteLayoutText(text);
  if (!parsed.ok) throw new Error(parsed.error.reason);
  return parsed.value;
}

/** Sequential ids for deterministic tests. */
export function sequentialIds(prefix = "00000000-0000-7000-8000-"): () => string {
  let n = 0;
  return () => prefix + String(n++).padStart(12, "0");
}
