import { CorrectionTask, LedgerErrorCode, Movement, TaskOutcome, TaskStatus } from "@tally/protocols";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { TaskChange } from "../../ledger/ledger-store.js";
import { actorOf, type RoutePolicy } from "../../plugins/authenticate.js";
import { conflict, notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { assertCovers, listSite, PageLimit, SiteId } from "../route-policy.js";

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
export const tasksRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, alerts }) => {
  // The task's site is known once it is read: each handler checks it (`covered`).
  const operator: RoutePolicy = { roles: ["operator"], site: "handler" };
  const supervisor: RoutePolicy = { roles: ["supervisor"], site: "handler" };
  const covered = async (request: FastifyRequest, id: string): Promise<void> => {
    const task = await store.task(id);
    if (task === undefined) throw notFound(`no task ${id}`);
    assertCovers(request, task.siteId);
  };

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
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "Correction tasks by site and status, in creation order a page at a time",
        querystring: z.object({
          siteId: SiteId.optional(),
          status: TaskStatus.optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page (a task id). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ tasks: z.array(LedgerTask), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { status, limit, after } = request.query;
      const siteId = request.policySite;
      const found = await store.tasks({
        ...(status !== undefined && { status }),
        ...(siteId !== undefined && { siteId }),
        ...(after !== undefined && { after }),
        limit: limit + 1,
      });
      const tasks = found.slice(0, limit);
      const last = tasks.at(-1)?.id;
      return { tasks, ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );

  app.get(
    "/tasks/:id",
    {
      config: { policy: { roles: ["viewer"], site: "handler" } },
      schema: { summary: "One correction task", params: Id, response: { 200: z.object({ task: LedgerTask }) } },
    },
    async (request) => {
      const task = await store.task(request.params.id);
      if (task === undefined) throw notFound(`no task ${request.params.id}`);
      assertCovers(request, task.siteId);
      return { task };
    },
  );

  app.post(
    "/tasks/:id/assign",
    {
      config: { policy: operator },
      schema: {
        summary: "Assign a task (open or assigned → assigned)",
        params: Id,
        body: z.object({ assignee: z.string().min(1).max(100) }).strict(),
        response: { 200: Changed },
      },
    },
    async (request) => {
      await covered(request, request.params.id);
      return answer(request.params.id, await store.assignTask(request.params.id, request.body.assignee));
    },
  );

  app.post(
    "/tasks/:id/complete",
    {
      config: { policy: operator },
      schema: {
        summary: "Complete a task with its outcome; `adjusted` posts one ADJUSTMENT movement per adjustment",
        params: Id,
        body: TaskOutcome,
        response: { 200: Changed },
      },
    },
    async (request) => {
      await covered(request, request.params.id);
      return answer(request.params.id, await store.completeTask(request.params.id, request.body, actorOf(request)));
    },
  );

  app.post(
    "/tasks/:id/dismiss",
    {
      config: { policy: supervisor },
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
    async (request) => {
      await covered(request, request.params.id);
      return answer(
        request.params.id,
        await store.dismissTask(request.params.id, actorOf(request), request.body?.note),
      );
    },
  );
};
