import { ErrorCode, LedgerItem, LedgerLocation, SiteLayout } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { LARGE_BODY_LIMIT } from "../../plugins/api-limits.js";
import { notFound, ProblemError } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { listSite, PageLimit, paramSite, SiteId } from "../route-policy.js";

const Sku = z.object({ sku: z.string().min(1).max(64) });

/** Items (the item master) and locations (site → zone → bin): read for all, write for admins. */
export const masterDataRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/items",
    {
      // The item master belongs to no one site: every site's people read it.
      config: { policy: { roles: ["viewer"], site: "none" } },
      schema: {
        summary: "The item master by SKU, a page at a time (`after` = `next`)",
        querystring: z.object({ limit: PageLimit, after: z.string().min(1).max(64).optional() }),
        response: { 200: z.object({ items: z.array(LedgerItem), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { limit, after } = request.query;
      const items = await store.items({ limit: limit + 1, ...(after !== undefined && { after }) });
      const page = items.slice(0, limit);
      const last = page.at(-1)?.sku;
      return { items: page, ...(items.length > limit && last !== undefined && { next: last }) };
    },
  );

  app.get(
    "/items/:sku",
    {
      config: { policy: { roles: ["viewer"], site: "none" } },
      schema: { summary: "One item", params: Sku, response: { 200: z.object({ item: LedgerItem }) } },
    },
    async (request) => {
      const item = await store.item(request.params.sku);
      if (item === undefined) throw notFound(`no item ${request.params.sku}`);
      return { item };
    },
  );

  app.put(
    "/items/:sku",
    {
      // Every site's edges and stock rules use the item master: an admin of every site changes it.
      config: { policy: { roles: ["admin"], site: "all" } },
      schema: {
        summary:
          "Create or replace an item (admin): GTINs, weights, reorder point, safety stock, stock policy, EOQ costs",
        params: Sku,
        body: LedgerItem,
        response: { 200: z.object({ item: LedgerItem }) },
      },
    },
    async (request) => {
      if (request.body.sku !== request.params.sku) {
        throw new ProblemError(
          400,
          ErrorCode.MessageSchema,
          "Bad Request",
          `body.sku ${request.body.sku} is not the path's ${request.params.sku}`,
        );
      }
      await store.putItem(request.body);
      return { item: request.body };
    },
  );

  app.get(
    "/locations",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "Locations with their zone (kind, temperature class), by site and zone, by code a page at a time",
        querystring: z.object({
          siteId: SiteId.optional(),
          zone: z.string().min(1).max(64).optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page (a location code). */
          after: z.string().min(1).max(200).optional(),
        }),
        response: { 200: z.object({ locations: z.array(LedgerLocation), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { zone, limit, after } = request.query;
      const siteId = request.policySite;
      const found = await store.locations({
        ...(siteId !== undefined && { siteId }),
        ...(zone !== undefined && { zone }),
        ...(after !== undefined && { after }),
        limit: limit + 1,
      });
      const locations = found.slice(0, limit);
      const last = locations.at(-1)?.code;
      return { locations, ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );

  app.put(
    "/sites/:siteId/layout",
    {
      bodyLimit: LARGE_BODY_LIMIT,
      config: { policy: { roles: ["admin"], site: paramSite } },
      schema: {
        summary: "Import a site file (admin): its zones, locations and items are upserted",
        params: z.object({ siteId: z.string().min(1).max(64) }),
        body: SiteLayout,
        response: { 200: z.object({ zones: z.number(), locations: z.number(), items: z.number() }) },
      },
    },
    async (request) => {
      if (request.body.siteId !== request.params.siteId) {
        throw new ProblemError(
          400,
          ErrorCode.SiteMismatch,
          "Bad Request",
          `the file is for site ${request.body.siteId}, not ${request.params.siteId}`,
        );
      }
      return store.importSite(request.body);
    },
  );
};
