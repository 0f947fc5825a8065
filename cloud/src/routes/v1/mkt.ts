import { ErrorCode, type HistoryEntry } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { MAX_MOVEMENT_LIMIT, MAX_PAGE_LIMIT } from "../../ledger/ledger-store.js";
import { ProblemError } from "../../plugins/problem-details.js";
import {
  DEFAULT_ACTIVATION_KJ_PER_MOL,
  MAX_ACTIVATION_KJ_PER_MOL,
  MIN_ACTIVATION_KJ_PER_MOL,
} from "../../telemetry/mkt.js";
import {
  DAY_MS,
  MAX_MKT_DAYS,
  utcDays,
  type ZoneDayMkt,
  type ZoneMinutes,
  zoneDayMkt,
} from "../../telemetry/mkt-days.js";
import { lotMkt } from "../../telemetry/mkt-lot.js";
import { lotSegments, lotStays } from "../../telemetry/mkt-lot-stays.js";
import { readZoneMinutes } from "../../telemetry/mkt-zone-minutes.js";
import type { TelemetryStore } from "../../telemetry/telemetry-store.js";
import { zoneOf } from "../../telemetry/telemetry-window.js";
import type { RouteDeps } from "../route-deps.js";
import { listSite, SiteId } from "../route-policy.js";

/** Days one call may cover when it asks for every zone of a site (each zone is read on its own). */
export const MAX_ALL_ZONE_DAYS = 31;

const Activation = z.coerce
  .number()
  .min(MIN_ACTIVATION_KJ_PER_MOL)
  .max(MAX_ACTIVATION_KJ_PER_MOL)
  .default(DEFAULT_ACTIVATION_KJ_PER_MOL);

const Day = z.string().max(10);
const Zone = z.string().min(1).max(64);

const badRequest = (reason: string) => new ProblemError(400, ErrorCode.QueryInvalid, "Bad Request", reason);

function requireTelemetry(telemetry: TelemetryStore | undefined): TelemetryStore {
  if (telemetry === undefined) {
    throw new ProblemError(503, ErrorCode.TelemetryUnavailable, "Service Unavailable", "no telemetry store");
  }
  return telemetry;
}

/** A store that does not answer is a 503 the caller may retry, never a 500. */
async function answered<T>(work: Promise<T>, log: { warn: (o: object, m: string) => void }): Promise<T> {
  try {
    return await work;
  } catch (error) {
    log.warn({ err: error }, "telemetry query for MKT failed");
    throw new ProblemError(
      503,
      ErrorCode.TelemetryUnavailable,
      "Service Unavailable",
      "the telemetry store did not answer; try again",
    );
  }
}

/**
 * Mean kinetic temperature (USP ⟨1079⟩) from the telemetry store's 1-minute
 * means: per zone and UTC day, and per lot over its stays in the site.
 */
export const mktRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, telemetry }) => {
  app.get(
    "/mkt",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary:
          "Mean kinetic temperature per zone and UTC day, from the zone's temperature sensors' 1-minute means; days without readings are left out",
        querystring: z.object({
          siteId: SiteId.optional(),
          /** A zone code; none: every zone of the site (at most 31 days then). */
          zone: Zone.optional(),
          /** First day, `YYYY-MM-DD` (UTC). */
          from: Day,
          /** Last day, included; default `from`. At most 366 days. */
          to: Day.optional(),
          /** ΔH, kJ/mol; USP's default 83.144. */
          activationKjPerMol: Activation,
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                siteId: z.string(),
                zone: z.string(),
                /** `YYYY-MM-DD`, UTC. */
                day: z.string(),
                /** °C. */
                mktC: z.number(),
                /** Minutes of the day with at least one reading. */
                minutes: z.number().int(),
                /** minutes / 1440. */
                coverage: z.number(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const { zone, from, to, activationKjPerMol } = request.query;
      const siteId = request.policySite;
      if (siteId === undefined) throw badRequest("siteId is required");
      const days = utcDays(from, to ?? from);
      if (!days.ok) throw badRequest(days.error.reason);
      if (zone === undefined && days.value.length > MAX_ALL_ZONE_DAYS) {
        throw badRequest(
          `without zone, at most ${MAX_ALL_ZONE_DAYS} days per call; name a zone for up to ${MAX_MKT_DAYS}`,
        );
      }
      const source = requireTelemetry(telemetry);
      const zones = zone !== undefined ? [zone] : await siteZones(siteId);
      const first = days.value[0] ?? 0;
      const end = (days.value.at(-1) ?? first) + DAY_MS;
      const items: (ZoneDayMkt & { siteId: string; zone: string })[] = [];
      for (const z of zones) {
        const minutes = await answered(
          readZoneMinutes(source, { siteId, zone: z, fromMs: first, toMs: end }),
          request.log,
        );
        for (const day of days.value) {
          const mkt = zoneDayMkt(minutes, day, activationKjPerMol);
          if (mkt !== undefined) items.push({ siteId, zone: z, ...mkt });
        }
      }
      return { items };
    },
  );

  const siteZones = async (siteId: string): Promise<string[]> => {
    const zones = new Set<string>();
    let after: string | undefined;
    // A site's locations a page at a time; a site has tens of zones, and 20 pages of 1000 codes is a big one.
    for (let page = 0; page < 20; page++) {
      const rows = await store.locations({ siteId, limit: MAX_PAGE_LIMIT, ...(after !== undefined && { after }) });
      for (const r of rows) zones.add(r.zone);
      after = rows.at(-1)?.code;
      if (rows.length < MAX_PAGE_LIMIT || after === undefined) break;
    }
    return [...zones].sort();
  };

  app.get(
    "/lots/:lot/mkt",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary:
          "Mean kinetic temperature a lot's units saw over their stays in the site (ledger history), each unit-minute in its zone's temperature",
        params: z.object({ lot: z.string().min(1).max(20) }),
        querystring: z.object({
          sku: z.string().min(1).max(64),
          /** Only its stays in this site (a site-scoped credential: its site). */
          siteId: SiteId.optional(),
          /** ISO 8601; default the lot's first ledger entry. */
          from: z.string().max(64).optional(),
          /** ISO 8601; default now. At most 366 days after `from`. */
          to: z.string().max(64).optional(),
          activationKjPerMol: Activation,
        }),
        response: {
          200: z.object({
            sku: z.string(),
            lot: z.string(),
            from: z.string(),
            to: z.string(),
            /** °C; absent when no stay had a temperature reading. */
            mktC: z.number().optional(),
            /** Unit-minutes with a reading of the zone the units were in. */
            unitMinutes: z.number(),
            /** unitMinutes / unit-minutes in the site over [from, to). */
            coverage: z.number(),
            /** Where the lot had units, oldest first (a lot split over locations has overlapping stays). */
            stays: z.array(z.object({ location: z.string(), from: z.string(), to: z.string() })),
          }),
        },
      },
    },
    async (request) => {
      const { lot } = request.params;
      const { sku, activationKjPerMol } = request.query;
      const siteId = request.policySite;
      const entries: HistoryEntry[] = await store.history({
        sku,
        lot,
        limit: MAX_MOVEMENT_LIMIT,
        ...(siteId !== undefined && { locationPrefix: siteId }),
      });
      if (entries.length >= MAX_MOVEMENT_LIMIT) {
        // The history answers its latest entries only: the lot's earlier stays would be missing.
        throw new ProblemError(
          422,
          ErrorCode.QueryInvalid,
          "Unprocessable Entity",
          `lot ${lot} of ${sku} has ${MAX_MOVEMENT_LIMIT} or more ledger entries; its stays cannot be read whole`,
        );
      }
      const first = entries[0];
      if (first === undefined)
        throw new ProblemError(404, ErrorCode.NotFound, "Not Found", `no ledger entries for lot ${lot} of ${sku}`);
      const fromMs = parseTime(request.query.from, Date.parse(first.occurredAt), "from");
      const toMs = parseTime(request.query.to, Date.now(), "to");
      if (fromMs >= toMs) throw badRequest("from must be before to");
      if (toMs - fromMs > MAX_MKT_DAYS * DAY_MS) {
        throw badRequest(`at most ${MAX_MKT_DAYS} days per call: pass from and to`);
      }
      const source = requireTelemetry(telemetry);
      const segments = lotSegments(entries, fromMs, toMs);
      const minutesByZone = new Map<string, ZoneMinutes>();
      const key = (location: string) => `${location.split("/")[0]}/${zoneOf(location) ?? ""}`;
      for (const s of segments) {
        const zone = zoneOf(s.location);
        const site = s.location.split("/")[0];
        if (zone === undefined || site === undefined) continue;
        // One read per zone over the whole range: a lot moving in and out of a room reads it once.
        if (minutesByZone.has(key(s.location))) continue;
        const span = segments.filter((o) => key(o.location) === key(s.location));
        const zoneFrom = Math.min(...span.map((o) => o.fromMs));
        const zoneTo = Math.max(...span.map((o) => o.toMs));
        minutesByZone.set(
          key(s.location),
          await answered(readZoneMinutes(source, { siteId: site, zone, fromMs: zoneFrom, toMs: zoneTo }), request.log),
        );
      }
      const mkt = lotMkt(segments, (location) => minutesByZone.get(key(location)), activationKjPerMol);
      return {
        sku,
        lot,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        ...mkt,
        stays: lotStays(segments),
      };
    },
  );
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function parseTime(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const ms = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw badRequest(`${name} ${JSON.stringify(text)} is not an ISO 8601 time with a zone`);
  return ms;
}
