import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordIdentityConflict } from "../../ingest/edge-conditions.js";
import { requireRole } from "../../plugins/auth.js";
import { notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";

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
export const edgesRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { edges, store, alerts, tokens }) => {
  app.get(
    "/edges",
    {
      schema: {
        summary: "Edges heard from by this cloud instance: batch sequence numbers, instance, quarantine",
        response: { 200: z.object({ edges: z.array(EdgeRecordSchema) }) },
      },
    },
    async () => ({ edges: edges.list() }),
  );

  app.post(
    "/edges/:edgeId/release",
    {
      preHandler: requireRole(tokens, "admin"),
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
