import { LedgerLocation, TEMPERATURE_CLASS_RANGES, TemperatureRange } from "@tally/protocols";
import { z } from "zod";
import { Alert } from "../alerts/alert.js";
import type { EdgeContact } from "../alerts/cloud-rules.js";
import type { EdgeRecord } from "../ingest/edge-registry.js";
import type { DeviceSeries } from "./device-readings.js";

/** `silent`: a DEVICE_SILENT alert is live for it; `alerting`: another live alert names it; else `ok`. */
export const DeviceStatus = z.enum(["ok", "alerting", "silent"]);
export type DeviceStatus = z.infer<typeof DeviceStatus>;

const LiveAlert = Alert.pick({ id: true, kind: true, severity: true, status: true, message: true });

export const SiteDevice = z.object({
  deviceId: z.string(),
  location: z.string().optional(),
  status: DeviceStatus,
  /** Its latest reading's time (device time, ISO 8601); absent when it sent no telemetry. */
  lastReadingAt: z.string().optional(),
  /** The latest value per metric, e.g. `temperature` in °C. */
  readings: z.array(z.object({ metric: z.string(), value: z.number(), unit: z.string(), at: z.string() })),
  alerts: z.array(LiveAlert),
});
export type SiteDevice = z.infer<typeof SiteDevice>;

export const SiteZone = z.object({
  zone: z.string(),
  zoneKind: LedgerLocation.shape.zoneKind.optional(),
  temperatureClass: LedgerLocation.shape.temperatureClass.optional(),
  /** The range its temperature class allows, °C (the console draws it on the zone's chart). */
  temperatureRange: TemperatureRange.optional(),
  devices: z.array(SiteDevice),
});
export type SiteZone = z.infer<typeof SiteZone>;

export const SiteEdge = z.object({
  edgeId: z.string(),
  /** When the cloud (any of its processes) last committed a batch from it (ISO 8601). */
  lastSeenAt: z.string(),
  /** `not-heard`: an EDGE_NOT_HEARD alert is live for it. */
  status: z.enum(["ok", "backlog", "quarantined", "not-heard"]),
  /** Its outbox backlog while an EDGE_BACKLOG alert is live, in the alert's unit. */
  backlog: z.number().optional(),
});
export type SiteEdge = z.infer<typeof SiteEdge>;

export const SiteDevices = z.object({
  siteId: z.string(),
  /** The site's zones in code order, then devices with no known zone under `zone: ""`. */
  zones: z.array(SiteZone),
  edges: z.array(SiteEdge),
});
export type SiteDevices = z.infer<typeof SiteDevices>;

export interface SiteDevicesInput {
  siteId: string;
  locations: readonly LedgerLocation[];
  series: readonly DeviceSeries[];
  /** The site's live alerts (open or acknowledged: their cause is still there). */
  alerts: readonly Alert[];
  /** This process's registry of edges (quarantine, its own last contact). */
  edges: readonly Pick<EdgeRecord, "edgeId" | "siteId" | "lastSeenAt" | "quarantine">[];
  /** When any cloud process last heard from each edge (the database's edge contacts). */
  contacts?: readonly EdgeContact[];
}

/** Puts a site's devices (from their telemetry and live alerts) into its zones, with the edges' state. Pure. */
export function siteDevices(input: SiteDevicesInput): SiteDevices {
  const devices = new Map<string, SiteDevice>();
  const device = (deviceId: string): SiteDevice => {
    let found = devices.get(deviceId);
    if (found === undefined) {
      found = { deviceId, status: "ok", readings: [], alerts: [] };
      devices.set(deviceId, found);
    }
    return found;
  };
  for (const s of input.series) {
    const d = device(s.deviceId);
    d.readings.push({ metric: s.metric, value: s.latest.value, unit: s.unit, at: s.latest.at });
    if (s.location !== undefined) d.location = s.location;
    if (d.lastReadingAt === undefined || Date.parse(s.latest.at) > Date.parse(d.lastReadingAt)) {
      d.lastReadingAt = s.latest.at;
    }
  }
  for (const a of input.alerts) {
    if (a.deviceId === undefined) continue;
    const d = device(a.deviceId);
    d.alerts.push({ id: a.id, kind: a.kind, severity: a.severity, status: a.status, message: a.message });
    if (d.location === undefined && a.location !== undefined) d.location = a.location;
    d.status = a.kind === "DEVICE_SILENT" || d.status === "silent" ? "silent" : "alerting";
  }

  const zones = new Map<string, SiteZone>();
  for (const l of input.locations) {
    if (!zones.has(l.zone)) {
      zones.set(l.zone, {
        zone: l.zone,
        zoneKind: l.zoneKind,
        temperatureClass: l.temperatureClass,
        temperatureRange: TEMPERATURE_CLASS_RANGES[l.temperatureClass],
        devices: [],
      });
    }
  }
  const unplaced: SiteZone = { zone: "", devices: [] };
  for (const d of [...devices.values()].sort((a, b) => compare(a.deviceId, b.deviceId))) {
    const zone = d.location?.split("/")[1];
    (zone === undefined ? unplaced : (zones.get(zone) ?? unplaced)).devices.push(d);
  }

  const backlog = new Map<string, number | undefined>();
  for (const a of input.alerts) if (a.kind === "EDGE_BACKLOG" && a.edgeId !== undefined) backlog.set(a.edgeId, a.value);
  // Every process's contacts, with this process's registry over them (it alone knows a quarantine).
  const known = new Map<string, { edgeId: string; lastSeenAt: string; quarantined: boolean }>();
  for (const c of input.contacts ?? []) {
    if (c.siteId === input.siteId)
      known.set(c.edgeId, { edgeId: c.edgeId, lastSeenAt: c.lastSeenAt, quarantined: false });
  }
  for (const e of input.edges) {
    if (e.siteId !== input.siteId) continue;
    const other = known.get(e.edgeId)?.lastSeenAt;
    const lastSeenAt = other !== undefined && other > e.lastSeenAt ? other : e.lastSeenAt;
    known.set(e.edgeId, { edgeId: e.edgeId, lastSeenAt, quarantined: e.quarantine !== undefined });
  }
  const notHeard = new Set(input.alerts.filter((a) => a.kind === "EDGE_NOT_HEARD").flatMap((a) => a.edgeId ?? []));
  const edges = [...known.values()]
    .sort((a, b) => compare(a.edgeId, b.edgeId))
    .map((e): SiteEdge => {
      const status = e.quarantined
        ? "quarantined"
        : notHeard.has(e.edgeId)
          ? "not-heard"
          : backlog.has(e.edgeId)
            ? "backlog"
            : "ok";
      const units = backlog.get(e.edgeId);
      return { edgeId: e.edgeId, lastSeenAt: e.lastSeenAt, status, ...(units !== undefined && { backlog: units }) };
    });

  const ordered = [...zones.values()].sort((a, b) => compare(a.zone, b.zone));
  return { siteId: input.siteId, zones: unplaced.devices.length > 0 ? [...ordered, unplaced] : ordered, edges };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
