import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ANONYMOUS_VIEWER } from "../../auth/principal.js";
import { Role } from "../../auth/role.js";
import type { RouteDeps } from "../route-deps.js";

/** Who the caller is to this API: what the console offers depends on it. */
export const whoamiRoute: FastifyPluginAsyncZod<RouteDeps> = async (app) => {
  app.get(
    "/whoami",
    {
      config: { policy: { roles: ["viewer", "edge"], site: "none" } },
      schema: {
        summary: "The caller's name, role and sites, as its credential says (anonymous viewer on an open loopback API)",
        response: {
          200: z.object({ id: z.string(), name: z.string(), role: Role, siteIds: z.array(z.string()).optional() }),
        },
      },
    },
    async (request) => {
      const p = request.principal ?? ANONYMOUS_VIEWER;
      return { id: p.id, name: p.name, role: p.role, ...(p.sites !== undefined && { siteIds: [...p.sites] }) };
    },
  );
};
