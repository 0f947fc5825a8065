import { HistoryEntry, StockPosition } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { MAX_MOVEMENT_LIMIT, type StockQuery } from "../../ledger/ledger-store.js";
import type { RouteDeps } from "../route-deps.js";

const Sku = z.string().min(1).max(64);
const LocationPrefix = z.string().min(1).max(200);

export const stockRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/stock",
    {
      schema: {
        summary: "Stock positions (qty ≠ 0) by SKU, location prefix, zone and lot, with totals",
        querystring: z.object({
          sku: Sku.optional(),
          /** A location code or a prefix of one on whole segments (`SITE/ZONE`). */
          location: LocationPrefix.optional(),
          /** The zone segment of the location code. */
          zone: z.string().min(1).max(64).optional(),
          lot: z.string().max(20).optional(),
        }),
        response: {
          200: z.object({
            positions: z.array(StockPosition),
            totalQty: z.number(),
            /** Units per SKU over the positions listed. */
            totals: z.array(z.object({ sku: z.string(), qty: z.number() })),
          }),
        },
      },
    },
    async (request) => {
      const { sku, location, zone, lot } = request.query;
      const query: StockQuery = {};
      if (sku !== undefined) query.sku = sku;
      if (location !== undefined) query.locationPrefix = location;
      if (zone !== undefined) query.zone = zone;
      if (lot !== undefined) query.lot = lot;
      const positions = await store.stock(query);
      const bySku = new Map<string, number>();
      for (const p of positions) bySku.set(p.sku, (bySku.get(p.sku) ?? 0) + p.qty);
      return {
        positions,
        totalQty: positions.reduce((sum, p) => sum + p.qty, 0),
        totals: [...bySku].map(([s, qty]) => ({ sku: s, qty })),
      };
    },
  );

  app.get(
    "/stock/:sku/history",
    {
      schema: {
        summary: "A SKU's movements as legs ordered by occurredAt, with the running balance after each",
        params: z.object({ sku: Sku }),
        querystring: z.object({
          location: LocationPrefix.optional(),
          lot: z.string().max(20).optional(),
          /** The latest this many entries (balances still count every earlier one). */
          limit: z.coerce.number().int().min(1).max(MAX_MOVEMENT_LIMIT).optional(),
        }),
        response: { 200: z.object({ sku: z.string(), entries: z.array(HistoryEntry), balance: z.number() }) },
      },
    },
    async (request) => {
      const { location, lot, limit } = request.query;
      const entries = await store.history({
        sku: request.params.sku,
        ...(location !== undefined && { locationPrefix: location }),
        ...(lot !== undefined && { lot }),
        ...(limit !== undefined && { limit }),
      });
      return { sku: request.params.sku, entries, balance: entries.at(-1)?.balance ?? 0 };
    },
  );
};
