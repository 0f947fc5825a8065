import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { Alert, AlertStatus } from "../../alerts/alert.js";
import type { RouteDeps } from "../route-deps.js";

export const alertsRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/alerts",
    {
      schema: {
        summary: "Alerts, optionally by status",
        querystring: z.object({ status: AlertStatus.optional() }),
        response: { 200: z.object({ alerts: z.array(Alert) }) },
      },
    },
    async (request) => {
      const { status } = request.query;
      return { alerts: await store.alerts(status !== undefined ? { status } : {}) };
    },
  );
};
