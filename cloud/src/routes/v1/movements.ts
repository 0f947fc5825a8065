import { Movement } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { MAX_MOVEMENT_LIMIT, type MovementQuery } from "../../ledger/ledger-store.js";
import type { RouteDeps } from "../route-deps.js";

export const movementsRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/movements",
    {
      schema: {
        summary: "Movements in commit order, by SKU and/or location (from or to)",
        querystring: z.object({
          sku: z.string().min(1).max(64).optional(),
          location: z.string().min(1).max(200).optional(),
          limit: z.coerce.number().int().min(1).max(MAX_MOVEMENT_LIMIT).optional(),
          /** Cursor: the id of the last movement already read. */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ movements: z.array(Movement) }) },
      },
    },
    async (request) => {
      const { sku, location, limit, after } = request.query;
      const query: MovementQuery = {};
      if (sku !== undefined) query.sku = sku;
      if (location !== undefined) query.location = location;
      if (limit !== undefined) query.limit = limit;
      if (after !== undefined) query.after = after;
      return { movements: await store.movements(query) };
    },
  );
};
