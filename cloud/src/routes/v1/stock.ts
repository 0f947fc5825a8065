import { ErrorCode, HistoryEntry, StockPosition } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { MAX_MOVEMENT_LIMIT, type StockQuery } from "../../ledger/ledger-store.js";
import { ProblemError } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { listSite, PageLimit, SiteId } from "../route-policy.js";

const Sku = z.string().min(1).max(64);
const LocationPrefix = z.string().min(1).max(200);

/** A stock page's cursor: the last position of the page, as base64url JSON `[sku, location, lot]`. */
const StockCursor = z.tuple([z.string().max(64), z.string().max(200), z.string().max(20)]);

function encodeCursor(p: { sku: string; location: string; lot: string }): string {
  return Buffer.from(JSON.stringify([p.sku, p.location, p.lot]), "utf8").toString("base64url");
}

function decodeCursor(text: string): { sku: string; location: string; lot: string } {
  try {
    const [sku, location, lot] = StockCursor.parse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
    return { sku, location, lot };
  } catch {
    throw new ProblemError(400, ErrorCode.QueryInvalid, "Bad Request", "querystring.after: not a cursor this API gave");
  }
}

/** A location filter must stay inside the site the caller may see. */
function insideSite(location: string | undefined, siteId: string | undefined): void {
  if (location === undefined || siteId === undefined) return;
  if (location !== siteId && !location.startsWith(`${siteId}/`)) {
    throw new ProblemError(400, ErrorCode.SiteMismatch, "Bad Request", `location ${location} is not in site ${siteId}`);
  }
}

export const stockRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/stock",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary:
          "Stock positions (qty ≠ 0) by site, SKU, location prefix, zone and lot, a page at a time (`limit`, `after` = `next`), with totals over the whole filter",
        querystring: z.object({
          siteId: SiteId.optional(),
          sku: Sku.optional(),
          /** A location code or a prefix of one on whole segments (`SITE/ZONE`). */
          location: LocationPrefix.optional(),
          /** The zone segment of the location code. */
          zone: z.string().min(1).max(64).optional(),
          lot: z.string().max(20).optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page. */
          after: z.string().min(1).max(400).optional(),
        }),
        response: {
          200: z.object({
            positions: z.array(StockPosition),
            /** Pass as `after` for the next page; absent on the last page. */
            next: z.string().optional(),
            /** Units over every position the filter matches (all pages). */
            totalQty: z.number(),
            /** Positions the filter matches (all pages). */
            totalPositions: z.number().int(),
            /** Units per SKU over the whole filter, for the SKUs on this page. */
            totals: z.array(z.object({ sku: z.string(), qty: z.number() })),
          }),
        },
      },
    },
    async (request) => {
      const { sku, location, zone, lot, limit, after } = request.query;
      const siteId = request.policySite;
      insideSite(location, siteId);
      const filter: StockQuery = {};
      if (siteId !== undefined) filter.siteId = siteId;
      if (sku !== undefined) filter.sku = sku;
      if (location !== undefined) filter.locationPrefix = location;
      if (zone !== undefined) filter.zone = zone;
      if (lot !== undefined) filter.lot = lot;
      // One more than asked tells whether a next page exists without counting.
      const page = await store.stock({
        ...filter,
        limit: limit + 1,
        ...(after !== undefined && { after: decodeCursor(after) }),
      });
      const positions = page.slice(0, limit);
      const last = positions.at(-1);
      const totals = await store.stockTotals(filter, [...new Set(positions.map((p) => p.sku))]);
      return {
        positions,
        ...(page.length > limit && last !== undefined && { next: encodeCursor(last) }),
        totalQty: totals.totalQty,
        totalPositions: totals.positions,
        totals: totals.bySku,
      };
    },
  );

  app.get(
    "/stock/:sku/history",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "A SKU's movements as legs ordered by occurredAt, with the running balance after each",
        params: z.object({ sku: Sku }),
        querystring: z.object({
          siteId: SiteId.optional(),
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
      const siteId = request.policySite;
      insideSite(location, siteId);
      const prefix = location ?? siteId;
      const entries = await store.history({
        sku: request.params.sku,
        ...(prefix !== undefined && { locationPrefix: prefix }),
        ...(lot !== undefined && { lot }),
        ...(limit !== undefined && { limit }),
      });
      return { sku: request.params.sku, entries, balance: entries.at(-1)?.balance ?? 0 };
    },
  );
};
