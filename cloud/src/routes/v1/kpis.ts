import { Kpis } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { computeKpis } from "../../ledger/kpis.js";
import type { RouteDeps } from "../route-deps.js";

export const kpisRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/kpis",
    {
      // Computed over every site's ledger.
      config: { policy: { roles: ["viewer"], site: "all" } },
      schema: {
        summary: "Inventory record accuracy (counts), stockouts, dock-to-stock time, positions below reorder point",
        querystring: z.object({
          /** How many of the latest counts and receipts to look at. */
          window: z.coerce.number().int().min(1).max(5000).optional(),
        }),
        response: { 200: Kpis },
      },
    },
    async (request) => computeKpis(store, request.query.window ?? 1000, new Date()),
  );
};
