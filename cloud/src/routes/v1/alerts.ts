import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { Alert, AlertStatus } from "../../alerts/alert.js";
import type { RouteDeps } from "../route-deps.js";
import { listSite, PageLimit, SiteId } from "../route-policy.js";

export const alertsRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/alerts",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "Alerts by site and status, in the order raised, a page at a time (`after` = `next`)",
        querystring: z.object({
          siteId: SiteId.optional(),
          status: AlertStatus.optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page (an alert id). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ alerts: z.array(Alert), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { status, limit, after } = request.query;
      const siteId = request.policySite;
      const found = await store.alerts({
        ...(status !== undefined && { status }),
        ...(siteId !== undefined && { siteId }),
        ...(after !== undefined && { after }),
        limit: limit + 1,
      });
      const alerts = found.slice(0, limit);
      const last = alerts.at(-1)?.id;
      return { alerts, ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );
};
