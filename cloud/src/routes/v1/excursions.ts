import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ExcursionRecord, StockAtRisk } from "../../excursions/excursion-record.js";
import { holdStock, stockAtRiskOf } from "../../excursions/record-excursions.js";
import { notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { assertCovers, listSite, PageLimit, SiteId } from "../route-policy.js";

const ExcursionParams = z.object({ id: z.string().min(1).max(64) });
const Instant = z.iso.datetime({ offset: true });

/** Temperature excursions: list and filter, one with its stock at risk, and a hold of that stock. */
export const excursionsRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, alerts }) => {
  const covered = async (request: Parameters<typeof assertCovers>[0], id: string): Promise<ExcursionRecord> => {
    const record = await store.excursions.get(id);
    if (record === undefined) throw notFound(`no excursion ${id}`);
    assertCovers(request, record.siteId);
    return record;
  };

  app.get(
    "/excursions",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "Temperature excursions by site, zone, device, status and start time, in the order first recorded",
        querystring: z.object({
          siteId: SiteId.optional(),
          /** The zone segment of the sensor's location (`SITE/ZONE/BIN`). */
          zone: z.string().min(1).max(64).optional(),
          deviceId: z.string().min(1).max(64).optional(),
          status: z.enum(["open", "closed"]).optional(),
          /** Excursions that started at or after this instant. */
          from: Instant.optional(),
          /** Excursions that started before this instant. */
          to: Instant.optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page (an excursion id). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ items: z.array(ExcursionRecord), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { zone, deviceId, status, from, to, limit, after } = request.query;
      const siteId = request.policySite;
      const found = await store.excursions.list({
        ...(siteId !== undefined && { siteId }),
        ...(zone !== undefined && { zone }),
        ...(deviceId !== undefined && { deviceId }),
        ...(status !== undefined && { status }),
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(after !== undefined && { after }),
        limit: limit + 1,
      });
      const items = found.slice(0, limit);
      const last = items.at(-1)?.id;
      return { items, ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );

  app.get(
    "/excursions/:id",
    {
      config: { policy: { roles: ["viewer"], site: "handler" } },
      schema: {
        summary: "One temperature excursion with the stock at risk: what was in its zone while it lasted",
        params: ExcursionParams,
        response: { 200: ExcursionRecord.extend({ stockAtRisk: z.array(StockAtRisk) }) },
      },
    },
    async (request) => {
      const record = await covered(request, request.params.id);
      return { ...record, stockAtRisk: await stockAtRiskOf(store, record, new Date()) };
    },
  );

  app.post(
    "/excursions/:id/hold",
    {
      config: { policy: { roles: ["supervisor"], site: "handler" } },
      schema: {
        summary: "Hold the stock at risk: one QUARANTINE correction task per (sku, lot); a second hold makes none",
        params: ExcursionParams,
        // No body, or an empty object: fastify hands a bodiless POST over as null.
        body: z.object({}).strict().nullish(),
        response: {
          200: z.object({
            excursionId: z.string(),
            /** Ids of the tasks this hold made. */
            created: z.array(z.string()),
            /** Ids of the tasks an earlier hold had made. */
            existing: z.array(z.string()),
          }),
        },
      },
    },
    async (request) => {
      const record = await covered(request, request.params.id);
      const stock = await stockAtRiskOf(store, record, new Date());
      const held = await holdStock({ store, alerts }, record, stock);
      return { excursionId: record.id, ...held };
    },
  );
};
