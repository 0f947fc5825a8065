import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteDeps } from "../route-deps.js";
import { PageLimit } from "../route-policy.js";

const AuditEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  actorId: z.string(),
  role: z.string(),
  method: z.string(),
  route: z.string(),
  path: z.string(),
  status: z.number().int(),
  siteId: z.string().optional(),
});

/** The audit log of writes to the API (admin of every site). */
export const auditRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/audit",
    {
      config: { policy: { roles: ["admin"], site: "all" } },
      schema: {
        summary: "Every write to the API (who, what, when, status) in order, a page at a time (`after` = `next`)",
        querystring: z.object({
          actor: z.string().min(1).max(100).optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page (an entry's seq). */
          after: z.coerce.number().int().min(0).optional(),
        }),
        response: { 200: z.object({ entries: z.array(AuditEntry), next: z.number().int().optional() }) },
      },
    },
    async (request) => {
      const { actor, limit, after } = request.query;
      const found = await store.security.audit({
        limit: limit + 1,
        ...(after !== undefined && { after }),
        ...(actor !== undefined && { actor }),
      });
      const entries = found.slice(0, limit);
      const last = entries.at(-1)?.seq;
      return { entries, ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );
};
