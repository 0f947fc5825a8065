import { CorrectionTask } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteDeps } from "../route-deps.js";

export const LedgerTask = CorrectionTask.extend({ status: z.enum(["open"]) });

export const tasksRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/tasks",
    { schema: { summary: "Correction tasks", response: { 200: z.object({ tasks: z.array(LedgerTask) }) } } },
    async () => ({ tasks: await store.tasks() }),
  );
};
