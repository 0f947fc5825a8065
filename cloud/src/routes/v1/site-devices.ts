import type { LedgerLocation } from "@tally/protocols";
import type { FastifyBaseLogger } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Alert } from "../../alerts/alert.js";
import { MAX_PAGE_LIMIT } from "../../ledger/ledger-store.js";
import { notFound } from "../../plugins/problem-details.js";
import { DeviceReadings } from "../../sites/device-readings.js";
import { ReadingsFollower } from "../../sites/readings-follower.js";
import { SiteDevices, siteDevices } from "../../sites/site-devices.js";
import type { RouteDeps } from "../route-deps.js";
import { paramSite, SiteId } from "../route-policy.js";

/** Locations read for a site's zones at most (pages of the largest size). */
const MAX_LOCATION_PAGES = 20;

const Readings = z.object({
  siteId: z.string(),
  deviceId: z.string(),
  metric: z.string(),
  unit: z.string(),
  location: z.string().optional(),
  /** Oldest first; the latest few hundred the cloud keeps in memory per device. */
  points: z.array(z.object({ at: z.string(), value: z.number() })),
});

/**
 * What the console's site view shows: a site's devices by zone with their
 * latest readings and status, its edges, and one device's recent readings.
 * Readings come from the telemetry store, followed incrementally.
 */
export const siteDevicesRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, edges, telemetry }) => {
  const readings = new DeviceReadings();
  // Without a telemetry store (some tests) devices show without readings.
  const follower = telemetry === undefined ? undefined : new ReadingsFollower(telemetry, readings);
  // The telemetry store away (InfluxDB down): the console shows the readings it has, not an error.
  const catchUp = (log: FastifyBaseLogger) =>
    follower
      ?.catchUp()
      .catch((error: unknown) => log.warn({ err: error }, "telemetry store away: readings not updated"));
  const policy = { roles: ["viewer"] as const, site: paramSite };

  const siteLocations = async (siteId: string): Promise<LedgerLocation[]> => {
    const all: LedgerLocation[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_LOCATION_PAGES; page++) {
      const rows = await store.locations({ siteId, limit: MAX_PAGE_LIMIT, ...(after !== undefined && { after }) });
      all.push(...rows);
      after = rows.at(-1)?.code;
      if (rows.length < MAX_PAGE_LIMIT || after === undefined) break;
    }
    return all;
  };

  const liveAlerts = async (siteId: string): Promise<Alert[]> => {
    const [open, acknowledged] = await Promise.all([
      store.alerts({ siteId, status: "open", limit: MAX_PAGE_LIMIT }),
      store.alerts({ siteId, status: "acknowledged", limit: MAX_PAGE_LIMIT }),
    ]);
    return [...open, ...acknowledged];
  };

  app.get(
    "/sites/:siteId/devices",
    {
      config: { policy },
      schema: {
        summary: "A site's zones with their devices (status, latest readings, live alerts) and its edges",
        params: z.object({ siteId: SiteId }),
        response: { 200: SiteDevices },
      },
    },
    async (request) => {
      const { siteId } = request.params;
      await catchUp(request.log);
      const [locations, alerts, contacts] = await Promise.all([
        siteLocations(siteId),
        liveAlerts(siteId),
        store.alerting.edgeContacts(),
      ]);
      return siteDevices({ siteId, locations, series: readings.ofSite(siteId), alerts, edges: edges.list(), contacts });
    },
  );

  app.get(
    "/sites/:siteId/devices/:deviceId/readings",
    {
      config: { policy },
      schema: {
        summary: "One device's recent readings of a metric (default temperature), oldest first",
        params: z.object({ siteId: SiteId, deviceId: z.string().min(1).max(64) }),
        querystring: z.object({ metric: z.string().min(1).max(128).default("temperature") }),
        response: { 200: Readings },
      },
    },
    async (request) => {
      const { siteId, deviceId } = request.params;
      await catchUp(request.log);
      const series = readings.series(siteId, deviceId, request.query.metric);
      if (series === undefined) throw notFound(`no ${request.query.metric} readings of ${deviceId} at ${siteId}`);
      return {
        siteId,
        deviceId,
        metric: series.metric,
        unit: series.unit,
        ...(series.location !== undefined && { location: series.location }),
        points: series.points,
      };
    },
  );
};
