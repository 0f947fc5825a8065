import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { Role } from "../../auth/role.js";
import type { RouteDeps } from "../route-deps.js";

export const WhoAmI = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  /** The sites the credential is limited to; absent: every site. */
  siteIds: z.array(z.string()).optional(),
});

/** `GET /whoami`: the caller as its credential says (the console decides from it what to offer). */
export const whoamiRoute: FastifyPluginAsyncZod<RouteDeps> = async (app) => {
  app.get(
    "/whoami",
    {
      // Any caller with a valid credential; in development mode an anonymous reader is the anonymous viewer.
      config: { policy: { roles: ["viewer", "edge"], site: "none" } },
      schema: { summary: "The caller: its credential's id, name, role and sites", response: { 200: WhoAmI } },
    },
    async (request) => {
      const principal = request.principal;
      if (principal === undefined) return { id: "anonymous", name: "anonymous", role: "viewer" as const };
      return {
        id: principal.id,
        name: principal.name,
        role: principal.role,
        ...(principal.sites !== undefined && { siteIds: [...principal.sites] }),
      };
    },
  );
};
