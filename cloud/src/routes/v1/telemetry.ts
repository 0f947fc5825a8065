import { ErrorCode } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ProblemError } from "../../plugins/problem-details.js";
import { checkTelemetryQuery, MAX_TELEMETRY_POINTS } from "../../telemetry/check-telemetry-query.js";
import { telemetryCsv } from "../../telemetry/telemetry-csv.js";
import type { RouteDeps } from "../route-deps.js";
import { listSite, SiteId } from "../route-policy.js";

const Series = { siteId: z.string(), deviceId: z.string(), metric: z.string(), unit: z.string() };

const TelemetryResponse = z.object({
  window: z.enum(["raw", "1m", "5m", "1h"]),
  from: z.string(),
  to: z.string(),
  /** More matched than `limit`: narrow the range or the filters, or widen the window. */
  truncated: z.boolean(),
  /**
   * Raw points (window `raw`), oldest first. A summary point (`value` its mean, `at` its period's start) has
   * `periodS`, `min`, `max` and `count`; `detail`: a full-rate reading around an excursion, which the windows
   * leave out (its period's summary counts it).
   */
  points: z
    .array(
      z.object({
        ...Series,
        location: z.string().optional(),
        at: z.string(),
        value: z.number(),
        periodS: z.number().int().optional(),
        min: z.number().optional(),
        max: z.number().optional(),
        count: z.number().int().optional(),
        detail: z.literal(true).optional(),
      }),
    )
    .optional(),
  /** Per series and bucket [start, start + window): min, mean, max and count; oldest first. */
  buckets: z
    .array(
      z.object({
        ...Series,
        start: z.string(),
        min: z.number(),
        mean: z.number(),
        max: z.number(),
        count: z.number().int(),
      }),
    )
    .optional(),
});

/** `GET /v1/telemetry`: time-range queries over the telemetry store, raw or windowed, JSON or CSV. */
export const telemetryRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { telemetry }) => {
  app.get(
    "/telemetry",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "Telemetry over a time range (from inclusive, to exclusive), raw or as min/mean/max/count windows",
        querystring: z.object({
          siteId: SiteId.optional(),
          deviceId: z.string().min(1).max(256).optional(),
          metric: z.string().min(1).max(256).optional(),
          /** The zone code: the middle part of a `SITE/ZONE/BIN` location. */
          zone: z.string().min(1).max(256).optional(),
          /** ISO 8601 with a zone (or a date); default an hour before `to`. */
          from: z.string().max(64).optional(),
          /** ISO 8601 with a zone (or a date); default now. */
          to: z.string().max(64).optional(),
          window: z.enum(["raw", "1m", "5m", "1h"]).default("raw"),
          limit: z.coerce.number().int().min(1).max(MAX_TELEMETRY_POINTS).optional(),
          format: z.enum(["json", "csv"]).default("json"),
        }),
        // CSV (`format=csv`) is sent as text/csv, past the JSON serializer.
        response: { 200: z.union([TelemetryResponse, z.string().describe("text/csv")]) },
      },
    },
    async (request, reply) => {
      const { format, ...input } = request.query;
      const checked = checkTelemetryQuery(
        { ...input, ...(request.policySite !== undefined && { siteId: request.policySite }) },
        Date.now(),
      );
      if (!checked.ok) throw new ProblemError(400, checked.error.code, "Bad Request", checked.error.reason);
      if (telemetry === undefined) {
        throw new ProblemError(503, ErrorCode.TelemetryUnavailable, "Service Unavailable", "no telemetry store");
      }
      const query = checked.value;
      const result = await telemetry.query(query).catch((error: unknown) => {
        request.log.warn({ err: error }, "telemetry query failed");
        throw new ProblemError(
          503,
          ErrorCode.TelemetryUnavailable,
          "Service Unavailable",
          "the telemetry store did not answer; try again",
        );
      });
      if (format === "csv") {
        return reply.type("text/csv; charset=utf-8").send(telemetryCsv(result));
      }
      const range = { from: new Date(query.fromMs).toISOString(), to: new Date(query.toMs).toISOString() };
      return result.window === "raw"
        ? { window: result.window, ...range, truncated: result.truncated, points: result.points }
        : { window: result.window, ...range, truncated: result.truncated, buckets: result.buckets };
    },
  );
};
