import { type EdgeEvent, ErrorCode, type Rejection } from "@tally/protocols";
import { isoTimeMs } from "../telemetry/iso-time.js";

/** What the cloud knows of a site, to check events against: its imported locations and the item master. */
export interface SiteFacts {
  /** False when no layout of the site was ever imported. */
  known: boolean;
  locations: ReadonlySet<string>;
  skus: ReadonlySet<string>;
}

/** Where ingest gets a site's facts: `names` are the locations and SKUs the batch uses (a source may reload on a miss). */
export interface SiteFactsSource {
  facts(siteId: string, names: { locations: Iterable<string>; skus: Iterable<string> }): Promise<SiteFacts>;
}

/** How far an event's time may be from the cloud's clock. */
export interface TimeWindow {
  /** Furthest ahead of the cloud's clock, ms (edges' clocks drift; a few minutes is normal). */
  maxAheadMs: number;
  /** Furthest behind, ms (an edge offline for days sends old events; a year is not an outage). */
  maxBehindMs: number;
}

export const DEFAULT_TIME_WINDOW: TimeWindow = { maxAheadMs: 60 * 60 * 1000, maxBehindMs: 365 * 24 * 60 * 60 * 1000 };

/**
 * Whether one event may enter the ledger of its site: the site's layout was
 * imported, every location it names is one of the site's, a movement's SKU
 * is in the item master, and it is dated within the window around `nowMs`.
 * Pure: the caller supplies the facts. Undefined when it may.
 */
export function checkAgainstSite(
  event: EdgeEvent,
  facts: SiteFacts,
  nowMs: number,
  window: TimeWindow = DEFAULT_TIME_WINDOW,
): Rejection | undefined {
  if (!facts.known) {
    return {
      code: ErrorCode.SiteUnknown,
      reason: `site ${event.siteId} has no imported layout: import its site file (PUT /v1/sites/${event.siteId}/layout) first`,
    };
  }
  const at = isoTimeMs(event.occurredAt);
  if (at > nowMs + window.maxAheadMs || at < nowMs - window.maxBehindMs) {
    return { code: ErrorCode.TimeOutOfRange, reason: outsideWindowReason(event.occurredAt, nowMs, window) };
  }
  // A reading names one location at most: checked without making a list of one (thousands a batch).
  const unknown =
    event.kind === "telemetry"
      ? event.location !== undefined && !facts.locations.has(event.location)
        ? event.location
        : undefined
      : locationsOf(event).find((location) => !facts.locations.has(location));
  if (unknown !== undefined)
    return { code: ErrorCode.LocationUnknown, reason: unknownLocationReason(unknown, event.siteId) };
  if (event.kind === "movement" && !facts.skus.has(event.sku)) {
    return { code: ErrorCode.SkuUnknown, reason: `SKU ${event.sku} is not in the item master` };
  }
  return undefined;
}

/** Why a time is refused as outside the window around the cloud's clock. */
export function outsideWindowReason(occurredAt: string, nowMs: number, window: TimeWindow): string {
  return `occurredAt ${occurredAt} is outside the accepted window (${hours(window.maxBehindMs)} h behind to ${hours(window.maxAheadMs)} h ahead of the cloud's clock ${new Date(nowMs).toISOString()})`;
}

/** Why a location a site's layout does not hold is refused. */
export function unknownLocationReason(location: string, siteId: string): string {
  return location.startsWith(`${siteId}/`)
    ? `location ${location} is not in the imported layout of site ${siteId}`
    : `location ${location} is not of site ${siteId}`;
}

/** The locations an event names, as it names them. */
export function locationsOf(event: EdgeEvent): string[] {
  switch (event.kind) {
    case "movement":
      return [event.from, event.to].filter((l): l is string => l !== undefined);
    case "task":
      return [event.location];
    case "condition":
    case "telemetry":
      return event.location === undefined ? [] : [event.location];
  }
}

function hours(ms: number): number {
  return Math.round(ms / 3_600_000);
}
