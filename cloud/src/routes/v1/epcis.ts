import { ErrorCode, LedgerErrorCode, Movement, safeParseUntrusted } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type CaptureRejection, captureEvent, EpcisCaptureDocument } from "../../epcis/capture-epcis.js";
import {
  type EpcisEvent as EpcisEventOut,
  epcisDocument,
  movementsToEpcis,
  temperatureToEpcis,
} from "../../epcis/epcis-mapping.js";
import { withExcursionSensors } from "../../epcis/excursion-sensors.js";
import { excursionsAtRisk } from "../../excursions/excursions-at-risk.js";
import { withWellFormedText } from "../../ingest/well-formed-text.js";
import { MAX_MOVEMENT_LIMIT } from "../../ledger/ledger-store.js";
import { newId } from "../../ledger/new-id.js";
import { LARGE_BODY_LIMIT } from "../../plugins/api-limits.js";
import { ProblemError } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";

/** Device clocks ahead of the cloud's by up to this much still show. */
const SENSOR_AHEAD_MS = 86_400_000;

/** The sensors' cursor: the time of the last point read and how many points at that time were read. */
function sensorCursor(after: string | undefined): { at?: string; atMs: number; skip: number } | undefined {
  if (after === undefined) return { atMs: 0, skip: 0 };
  const match = /^(.+)~(\d{1,9})$/.exec(after);
  const atMs = match?.[1] === undefined ? Number.NaN : Date.parse(match[1]);
  if (match?.[1] === undefined || Number.isNaN(atMs)) return undefined;
  return { at: match[1], atMs, skip: Number(match[2]) };
}

const telemetryUnavailable = () =>
  new ProblemError(
    503,
    ErrorCode.TelemetryUnavailable,
    "Service Unavailable",
    "the telemetry store is not configured or did not answer; try again",
  );

const EpcisEvent = z.object({ type: z.string(), eventID: z.string(), eventTime: z.string() }).loose();
const EpcisDocumentOut = z.object({
  "@context": z.array(z.unknown()),
  type: z.literal("EPCISDocument"),
  schemaVersion: z.literal("2.0"),
  creationDate: z.string(),
  epcisBody: z.object({ eventList: z.array(EpcisEvent) }),
});

/** EPCIS 2.0: the ledger's movements (and temperature readings) as a JSON-LD document; capture from other systems. */
export const epcisRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, alerts, telemetry }) => {
  app.get(
    "/epcis/events",
    {
      // Every site's movements and readings.
      config: { policy: { roles: ["viewer"], site: "all" } },
      schema: {
        summary:
          "EPCIS 2.0 JSON-LD document: movements as ObjectEvents/AggregationEvents (source=movements; a movement of stock at risk in a temperature excursion carries it in sensorElementList), or temperature readings with sensorElementList (source=sensors); cursor pagination",
        querystring: z.object({
          source: z.enum(["movements", "sensors"]).default("movements"),
          sku: z.string().min(1).max(64).optional(),
          perPage: z.coerce.number().int().min(1).max(MAX_MOVEMENT_LIMIT).default(100),
          /** Cursor: the last movement id read, or for sensors `<time>~<points at that time read>`; see the `Link` header. */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: EpcisDocumentOut },
      },
    },
    async (request, reply) => {
      const { source, sku, perPage, after } = request.query;
      let events: EpcisEventOut[];
      let last: string | undefined;
      let count: number;
      if (source === "sensors") {
        if (telemetry === undefined) throw telemetryUnavailable();
        const cursor = sensorCursor(after);
        if (cursor === undefined) {
          throw new ProblemError(
            400,
            ErrorCode.QueryInvalid,
            "Bad Request",
            "after: for sensors, the cursor of a Link header (<time>~<count>)",
          );
        }
        // Points sharing the cursor's time that an earlier page returned are skipped: the order is stable.
        const result = await telemetry
          .query({
            metric: "temperature",
            fromMs: cursor.atMs,
            toMs: Date.now() + SENSOR_AHEAD_MS,
            window: "raw",
            limit: perPage + cursor.skip,
          })
          .catch(() => {
            throw telemetryUnavailable();
          });
        const readings = result.window === "raw" ? result.points.slice(cursor.skip) : [];
        events = readings.map(temperatureToEpcis);
        const lastAt = readings.at(-1)?.at;
        const sameTime = readings.filter((r) => r.at === lastAt).length;
        last =
          lastAt === undefined ? undefined : `${lastAt}~${lastAt === cursor.at ? cursor.skip + sameTime : sameTime}`;
        count = readings.length;
      } else {
        const movements = await store.movements({
          limit: perPage,
          ...(sku !== undefined && { sku }),
          ...(after !== undefined && { after }),
        });
        const gtins = new Map((await store.items()).map((i) => [i.sku, i.gtins[0]]));
        // Goods an excursion put at risk carry it as a sensor element on every later movement.
        events = withExcursionSensors(
          movementsToEpcis(movements, (s) => gtins.get(s)),
          movements,
          await excursionsAtRisk(store, movements, new Date()),
        );
        last = movements.at(-1)?.id;
        count = movements.length;
      }
      if (count === perPage && last !== undefined) {
        const next = new URLSearchParams({
          source,
          perPage: String(perPage),
          after: last,
          ...(sku !== undefined && { sku }),
        });
        reply.header("link", `</v1/epcis/events?${next.toString()}>; rel="next"`);
      }
      reply.type("application/ld+json");
      return epcisDocument(events, new Date());
    },
  );

  app.post(
    "/epcis/capture",
    {
      bodyLimit: LARGE_BODY_LIMIT,
      // A document may carry events of several sites: for supervisors of every site.
      config: { validationCode: LedgerErrorCode.EpcisInvalid, policy: { roles: ["supervisor"], site: "all" } },
      schema: {
        summary:
          "Capture EPCIS 2.0 ObjectEvents and AggregationEvents (a pallet's children move with it) into the ledger (synchronously, idempotent by eventID); each event is accepted or rejected on its own",
        body: EpcisCaptureDocument,
        response: {
          200: z.object({
            captured: z.array(z.string()),
            duplicates: z.array(z.string()),
            rejected: z.array(
              z.object({ index: z.number(), eventID: z.string().optional(), code: z.string(), reason: z.string() }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const items = await store.items();
      const skuByGtin = new Map(items.flatMap((i) => i.gtins.map((g): [string, string] => [g, i.sku])));
      const rejected: CaptureRejection[] = [];
      const bySite = new Map<string, { eventID: string; index: number; movements: Movement[] }[]>();
      request.body.epcisBody.eventList.forEach((raw, index) => {
        const result = captureEvent(raw, index, (gtin) => skuByGtin.get(gtin));
        if (!result.ok) {
          rejected.push(result.rejection);
          return;
        }
        const bad = result.movements.map((m) => safeParseUntrusted(Movement, m)).find((p) => !p.success);
        if (bad !== undefined && !bad.success) {
          rejected.push({
            index,
            eventID: result.eventID,
            code: LedgerErrorCode.EpcisInvalid,
            reason: bad.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
          });
          return;
        }
        const siteId = result.movements[0]?.siteId ?? "";
        const list = bySite.get(siteId) ?? [];
        list.push({ eventID: result.eventID, index, movements: result.movements });
        bySite.set(siteId, list);
      });
      const captured: string[] = [];
      const duplicates: string[] = [];
      for (const [siteId, list] of bySite) {
        const result = await store.commit(
          { edgeId: "epcis", siteId, batchId: newId(), seq: 0 },
          withWellFormedText(list.flatMap((e) => e.movements)),
        );
        alerts.publish(result.alerts);
        const conflicts = new Set(result.conflicts);
        const committed = new Set(result.committed);
        for (const e of list) {
          if (e.movements.some((m) => conflicts.has(m.id))) {
            rejected.push({
              index: e.index,
              eventID: e.eventID,
              code: ErrorCode.EventConflict,
              reason: "an event with this eventID and different content was captured before",
            });
          } else if (e.movements.some((m) => committed.has(m.id))) captured.push(e.eventID);
          else duplicates.push(e.eventID);
        }
      }
      return { captured, duplicates, rejected: rejected.sort((a, b) => a.index - b.index) };
    },
  );
};
