import { readFile } from "node:fs/promises";
import { ErrorCode, parseSiteLayoutText, type SiteLayout } from "@tally/protocols";
import { SimulatorError } from "./simulator-error.js";

/**
 * Parses and validates a site layout (YAML or JSON text). Throws a
 * `SimulatorError` (`TALLY_ERR_SITE_LAYOUT_INVALID`) whose message names the
 * path of each problem, e.g. `site file: devices.2: unknown location DEMO/X/Y`.
 */
export function loadSiteLayout(text: string): SiteLayout {
  const result = parseSiteLayoutText(text);
  if (!result.ok) throw new SimulatorError(result.error.code, result.error.reason);
  return result.value;
}

/** Reads a site layout file; errors name the file. */
export async function readSiteFile(path: string): Promise<SiteLayout> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new SimulatorError(ErrorCode.SiteLayoutInvalid, `${path}: cannot read: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    return loadSiteLayout(text);
  } catch (cause) {
    if (cause instanceof SimulatorError) throw new SimulatorError(cause.code, `${path}: ${cause.message}`, { cause });
    throw cause;
  }
}
