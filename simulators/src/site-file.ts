import { readFile } from "node:fs/promises";
import { ErrorCode, PORTAL_PRESENCE_DEFAULTS, parseSiteLayoutText, type SiteLayout } from "@tally/protocols";
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

/**
 * The site as an edge must see it while a scenario plays at `speed`: device
 * timestamps then run `speed` times faster than the scenario's clock, so the
 * site's device-time thresholds shrink by the same factor: a temperature
 * sensor's grace period and stuck limit, and a portal's presence timeout
 * and the gap that shows an order between its antennas (the site's, else
 * the edge's defaults), and its stationary limit where the site sets one.
 * At `max` there is no fixed factor: the site is returned as it is.
 */
export function siteAtSpeed(site: SiteLayout, speed: number | "max"): SiteLayout {
  if (speed === "max" || speed === 1) return site;
  const shrink = (ms: number): number => Math.max(1, Math.round(ms / speed));
  return {
    ...site,
    devices: site.devices.map((d) => {
      if (d.kind === "temperature") return { ...d, graceS: d.graceS / speed, stuckAfterS: d.stuckAfterS / speed };
      if (d.kind !== "rfid-portal") return d;
      const { timeoutMs, stationaryMs, directionGapMs } = d.presence ?? {};
      const presence = {
        timeoutMs: shrink(timeoutMs ?? PORTAL_PRESENCE_DEFAULTS.timeoutMs),
        directionGapMs: Math.round((directionGapMs ?? PORTAL_PRESENCE_DEFAULTS.directionGapMs) / speed),
        ...(stationaryMs !== undefined && { stationaryMs: shrink(stationaryMs) }),
      };
      return { ...d, presence };
    }),
  };
}
