import { type Item, ReferenceData } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { canonicalJson, contentHash } from "../../ledger/canonical-json.js";
import type { RouteDeps } from "../route-deps.js";
import { paramSite } from "../route-policy.js";

/**
 * `GET /sites/{siteId}/reference-data`: what an edge keeps a copy of to work
 * offline. Answers with a strong ETag over the content (not `asOf`); a poll
 * with `If-None-Match` gets 304 while nothing changed.
 */
export const referenceDataRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/sites/:siteId/reference-data",
    {
      // The site's edges poll it; people of the site may read what their edges work from.
      config: { policy: { roles: ["edge", "viewer"], site: paramSite } },
      schema: {
        summary: "Item master and the open expected receipts and shipments of a site, for its edges (ETag, 304)",
        params: z.object({ siteId: z.string().min(1).max(64) }),
        headers: z.object({ "if-none-match": z.string().max(200).optional() }).loose(),
        response: { 200: ReferenceData, 304: z.null() },
      },
    },
    async (request, reply) => {
      const { siteId } = request.params;
      const [items, expectedReceipts, expectedShipments] = await Promise.all([
        store.items(),
        store.expectedReceipts({ siteId, status: "open" }),
        store.expectedShipments({ siteId, status: "open" }),
      ]);
      const content = {
        siteId,
        // The edge's contract is the site file's Item: the ledger's policy fields stay in the cloud.
        items: items.map(({ negativeStock, annualDemand, orderCost, holdingCost, ...item }): Item => item),
        expectedReceipts,
        expectedShipments,
      };
      const etag = `"${contentHash(canonicalJson(content)).slice(0, 32)}"`;
      reply.header("etag", etag).header("cache-control", "no-cache");
      const ifNoneMatch = request.headers["if-none-match"];
      if (ifNoneMatch?.split(",").some((t) => t.trim() === etag)) {
        return reply.code(304).send(null);
      }
      return { ...content, asOf: new Date().toISOString() };
    },
  );
};
