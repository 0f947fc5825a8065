import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteDeps } from "./route-deps.js";

export const Health = z.object({ status: z.literal("ok"), store: z.enum(["sqlite", "postgres"]) });

export const healthRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/healthz",
    {
      config: { policy: { public: true } },
      schema: { summary: "Liveness, and which ledger store is in use", response: { 200: Health } },
    },
    async () => ({ status: "ok" as const, store: store.kind }),
  );
};
