import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { StockQuery } from "../../ledger/ledger-store.js";
import type { RouteDeps } from "../route-deps.js";

export const StockPosition = z.object({ sku: z.string(), location: z.string(), lot: z.string(), qty: z.number() });

export const stockRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/stock",
    {
      schema: {
        summary: "Stock positions (qty ≠ 0) by SKU, location prefix and lot",
        querystring: z.object({
          sku: z.string().min(1).max(64).optional(),
          /** A location code or a prefix of one (`SITE/ZONE`). */
          location: z.string().min(1).max(200).optional(),
          lot: z.string().max(20).optional(),
        }),
        response: { 200: z.object({ positions: z.array(StockPosition), totalQty: z.number() }) },
      },
    },
    async (request) => {
      const { sku, location, lot } = request.query;
      const query: StockQuery = {};
      if (sku !== undefined) query.sku = sku;
      if (location !== undefined) query.locationPrefix = location;
      if (lot !== undefined) query.lot = lot;
      const positions = await store.stock(query);
      return { positions, totalQty: positions.reduce((sum, p) => sum + p.qty, 0) };
    },
  );
};
