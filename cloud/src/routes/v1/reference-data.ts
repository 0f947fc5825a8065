import { type BinStock, type Item, ReferenceData } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { canonicalJson, contentHash } from "../../ledger/canonical-json.js";
import type { Position } from "../../ledger/ledger-store.js";
import type { RouteDeps } from "../route-deps.js";
import { paramSite } from "../route-policy.js";

/**
 * `GET /sites/{siteId}/reference-data`: what an edge keeps a copy of to work
 * offline. Answers with a strong ETag over the content (not `asOf`); a poll
 * with `If-None-Match` gets 304 while nothing changed. The bin stock (units
 * per location and SKU, all lots) lets smart shelves compare their counts
 * with the ledger's; it covers every position of the site, since the cloud
 * does not know which locations are shelf bins (the edge does).
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
      const [items, expectedReceipts, expectedShipments, positions] = await Promise.all([
        store.items(),
        store.expectedReceipts({ siteId, status: "open" }),
        store.expectedShipments({ siteId, status: "open" }),
        store.stock({ siteId }),
      ]);
      const bins = binStock(positions);
      const content = {
        siteId,
        // The edge's contract is the site file's Item: the ledger's policy fields stay in the cloud.
        items: items.map(({ negativeStock, annualDemand, orderCost, holdingCost, ...item }): Item => item),
        expectedReceipts,
        expectedShipments,
        // Beyond the contract's limit no bin stock at all rather than part of it: a bin left out would read as
        // holding nothing and every shelf would report a mismatch.
        ...(bins.length <= MAX_BIN_STOCK && { binStock: bins }),
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

/** The most bin stock entries reference data carries (`ReferenceData.binStock`). */
const MAX_BIN_STOCK = 200_000;

/** Units per location and SKU, lots added together; positions that add up to 0 are left out. */
function binStock(positions: readonly Position[]): BinStock[] {
  const units = new Map<string, BinStock>();
  for (const p of positions) {
    const key = `${p.location}|${p.sku}`;
    const entry = units.get(key) ?? { location: p.location, sku: p.sku, units: 0 };
    entry.units += p.qty;
    units.set(key, entry);
  }
  return [...units.values()].filter((b) => b.units !== 0);
}
