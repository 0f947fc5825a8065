import { CorrectionTask, LedgerErrorCode, Movement, TaskOutcome, TaskStatus } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { TaskChange } from "../../ledger/ledger-store.js";
import { requireRole } from "../../plugins/auth.js";
import { conflict, notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";

/** A correction task with its lifecycle, as the API answers it. */
export const LedgerTask = CorrectionTask.extend({
  status: TaskStatus,
  assignee: z.string().optional(),
  outcome: TaskOutcome.optional(),
  adjustmentIds: z.array(z.string()).optional(),
  updatedAt: z.string().optional(),
});

const Id = z.object({ id: z.string().min(1).max(64) });
const Changed = z.object({ task: LedgerTask, adjustments: z.array(Movement) });

/** Correction tasks: list, assign, complete with an outcome (posting ADJUSTMENT movements), dismiss. */
export const tasksRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, alerts, tokens }) => {
  const supervisor = requireRole(tokens, "supervisor");

  const answer = (id: string, change: TaskChange) => {
    if (change.ok) {
      alerts.publish(change.alerts);
      return { task: change.task, adjustments: change.adjustments };
    }
    if (change.reason === "not-found") throw notFound(`no task ${id}`);
    throw conflict(LedgerErrorCode.TaskState, `task ${id} is ${change.status ?? "closed"}; it can no longer change`);
  };

  app.get(
    "/tasks",
    {
      schema: {
        summary: "Correction tasks, by status",
        querystring: z.object({ status: TaskStatus.optional() }),
        response: { 200: z.object({ tasks: z.array(LedgerTask) }) },
      },
    },
    async (request) => {
      const { status } = request.query;
      return { tasks: await store.tasks(status !== undefined ? { status } : {}) };
    },
  );

  app.get(
    "/tasks/:id",
    { schema: { summary: "One correction task", params: Id, response: { 200: z.object({ task: LedgerTask }) } } },
    async (request) => {
      const task = await store.task(request.params.id);
      if (task === undefined) throw notFound(`no task ${request.params.id}`);
      return { task };
    },
  );

  app.post(
    "/tasks/:id/assign",
    {
      preHandler: supervisor,
      schema: {
        summary: "Assign a task (open or assigned → assigned)",
        params: Id,
        body: z.object({ assignee: z.string().min(1).max(100) }).strict(),
        response: { 200: Changed },
      },
    },
    async (request) => answer(request.params.id, await store.assignTask(request.params.id, request.body.assignee)),
  );

  app.post(
    "/tasks/:id/complete",
    {
      preHandler: supervisor,
      schema: {
        summary: "Complete a task with its outcome; `adjusted` posts one ADJUSTMENT movement per adjustment",
        params: Id,
        body: TaskOutcome,
        response: { 200: Changed },
      },
    },
    async (request) =>
      answer(
        request.params.id,
        await store.completeTask(request.params.id, request.body, request.caller ?? "anonymous"),
      ),
  );

  app.post(
    "/tasks/:id/dismiss",
    {
      preHandler: supervisor,
      schema: {
        summary: "Dismiss a task (no stock change)",
        params: Id,
        body: z
          .object({ note: z.string().max(1000).optional() })
          .strict()
          .optional(),
        response: { 200: Changed },
      },
    },
    async (request) =>
      answer(
        request.params.id,
        await store.dismissTask(request.params.id, request.caller ?? "anonymous", request.body?.note),
      ),
  );
};
