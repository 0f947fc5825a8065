import { ErrorCode, LedgerItem, LedgerLocation, SiteLayout } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireRole } from "../../plugins/auth.js";
import { notFound, ProblemError } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";

const Sku = z.object({ sku: z.string().min(1).max(64) });

/** Items (the item master) and locations (site → zone → bin): read for all, write for admins. */
export const masterDataRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, tokens }) => {
  app.get(
    "/items",
    { schema: { summary: "The item master", response: { 200: z.object({ items: z.array(LedgerItem) }) } } },
    async () => ({ items: await store.items() }),
  );

  app.get(
    "/items/:sku",
    { schema: { summary: "One item", params: Sku, response: { 200: z.object({ item: LedgerItem }) } } },
    async (request) => {
      const item = await store.item(request.params.sku);
      if (item === undefined) throw notFound(`no item ${request.params.sku}`);
      return { item };
    },
  );

  app.put(
    "/items/:sku",
    {
      preHandler: requireRole(tokens, "admin"),
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
      schema: {
        summary: "Locations with their zone (kind, temperature class), by site and zone",
        querystring: z.object({
          siteId: z.string().min(1).max(64).optional(),
          zone: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ locations: z.array(LedgerLocation) }) },
      },
    },
    async (request) => {
      const { siteId, zone } = request.query;
      return {
        locations: await store.locations({
          ...(siteId !== undefined && { siteId }),
          ...(zone !== undefined && { zone }),
        }),
      };
    },
  );

  app.put(
    "/sites/:siteId/layout",
    {
      preHandler: requireRole(tokens, "admin"),
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
