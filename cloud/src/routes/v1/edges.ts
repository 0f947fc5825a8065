import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordIdentityConflict } from "../../ingest/edge-conditions.js";
import { notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { PageLimit } from "../route-policy.js";

const EdgeRecordSchema = z.object({
  edgeId: z.string(),
  siteId: z.string(),
  instanceId: z.string().optional(),
  instanceSince: z.string().optional(),
  lastSeq: z.number().int(),
  lastSeenAt: z.string(),
  batches: z.number().int(),
  resends: z.number().int(),
  seqGaps: z.number().int(),
  quarantine: z.object({ since: z.string(), reason: z.string() }).optional(),
});

const EdgeParams = z.object({ edgeId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) });

/** The edges this cloud instance has heard from, and the release of a quarantined one. */
export const edgesRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { edges, store, alerts }) => {
  app.get(
    "/edges",
    {
      config: { policy: { roles: ["admin"], site: "all" } },
      schema: {
        summary:
          "Edges heard from by this cloud instance by id: batch sequence numbers, instance, quarantine; a page at a time",
        querystring: z.object({
          limit: PageLimit,
          /** Cursor: `next` of the previous page (an edge id). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ edges: z.array(EdgeRecordSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { limit, after } = request.query;
      // The registry lives in memory, bounded by the edges that ever sent here.
      const all = edges
        .list()
        .filter((e) => after === undefined || e.edgeId > after)
        .sort((a, b) => (a.edgeId < b.edgeId ? -1 : a.edgeId > b.edgeId ? 1 : 0));
      const page = all.slice(0, limit);
      const last = page.at(-1)?.edgeId;
      return { edges: page, ...(all.length > limit && last !== undefined && { next: last }) };
    },
  );

  app.post(
    "/edges/:edgeId/release",
    {
      config: { policy: { roles: ["admin"], site: "all" } },
      schema: {
        summary: "Lift an edge's quarantine (admin), once only one process sends under its id",
        params: EdgeParams,
        response: { 200: z.object({ edge: EdgeRecordSchema }) },
      },
    },
    async (request) => {
      const { edgeId } = request.params;
      const before = edges.get(edgeId);
      if (before === undefined || !edges.release(edgeId)) throw notFound(`no edge ${edgeId} heard from`);
      if (before.quarantine !== undefined) {
        await recordIdentityConflict({ store, alerts }, before, "cleared", "released by an admin");
      }
      return { edge: edges.get(edgeId) ?? before };
    },
  );
};
