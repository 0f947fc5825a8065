import {
  CorrectionTask,
  CorrectionTaskType,
  LedgerErrorCode,
  Movement,
  TaskOutcome,
  TaskStatus,
} from "@tally/protocols";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, type RoutePolicy } from "../../plugins/authenticate.js";
import { conflict, notFound } from "../../plugins/problem-details.js";
import { DEFAULT_TASK_DUE, dueAt } from "../../tasks/task-due.js";
import type { LedgerTask as StoredTask, TaskChange } from "../../tasks/task-store.js";
import type { RouteDeps } from "../route-deps.js";
import { assertCovers, listSite, PageLimit, SiteId } from "../route-policy.js";

/** A correction task with its lifecycle, as the API answers it. */
export const LedgerTask = CorrectionTask.extend({
  status: TaskStatus,
  assignee: z.string().optional(),
  outcome: TaskOutcome.optional(),
  adjustmentIds: z.array(z.string()).optional(),
  /** Why it was dismissed. */
  dismissReason: z.string().optional(),
  /** When the cloud recorded it (ISO 8601). */
  createdAt: z.string(),
  /** When it is due: `createdAt` plus its type's due time (ISO 8601). */
  dueAt: z.string(),
  updatedAt: z.string().optional(),
});

const Id = z.object({ id: z.string().min(1).max(64) });
const Changed = z.object({ task: LedgerTask, adjustments: z.array(Movement) });
/** Who the task is for: a person's name as people know it (not checked against tokens: tasks go to people without one too). */
const PersonName = z.string().trim().min(1).max(100);

/** Correction tasks: list and filter, assign, start, complete with an outcome (posting ADJUSTMENT movements), dismiss. */
export const tasksRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, alerts, taskDue }) => {
  const policy = taskDue ?? DEFAULT_TASK_DUE;
  // The task's site is known once it is read: each handler checks it (`covered`).
  const operator: RoutePolicy = { roles: ["operator"], site: "handler" };
  const supervisor: RoutePolicy = { roles: ["supervisor"], site: "handler" };
  const covered = async (request: FastifyRequest, id: string): Promise<void> => {
    const task = await store.tasks.get(id);
    if (task === undefined) throw notFound(`no task ${id}`);
    assertCovers(request, task.siteId);
  };
  const withDue = (task: StoredTask): StoredTask & { dueAt: string } => ({ ...task, dueAt: dueAt(task, policy) });

  const answer = (id: string, change: TaskChange) => {
    if (change.ok) {
      alerts.publish(change.alerts);
      return { task: withDue(change.task), adjustments: change.adjustments };
    }
    if (change.reason === "not-found") throw notFound(`no task ${id}`);
    throw conflict(LedgerErrorCode.TaskState, `task ${id} is ${change.status ?? "closed"}; it cannot make this change`);
  };

  app.get(
    "/tasks",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "Correction tasks by site, status, kind, assignee or overdue, in creation order a page at a time",
        querystring: z.object({
          siteId: SiteId.optional(),
          status: TaskStatus.optional(),
          /** The task type. */
          kind: CorrectionTaskType.optional(),
          assignee: PersonName.optional(),
          /** `true`: only unfinished tasks past their due time. */
          overdue: z.enum(["true", "false"]).optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page (a task id). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ tasks: z.array(LedgerTask), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { status, kind, assignee, overdue, limit, after } = request.query;
      const siteId = request.policySite;
      const found = await store.tasks.list({
        ...(status !== undefined && { status }),
        ...(siteId !== undefined && { siteId }),
        ...(kind !== undefined && { taskType: kind }),
        ...(assignee !== undefined && { assignee }),
        ...(overdue === "true" && { overdue: { now: new Date().toISOString(), policy } }),
        ...(after !== undefined && { after }),
        limit: limit + 1,
      });
      const tasks = found.slice(0, limit);
      const last = tasks.at(-1)?.id;
      return { tasks: tasks.map(withDue), ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );

  app.get(
    "/tasks/:id",
    {
      config: { policy: { roles: ["viewer"], site: "handler" } },
      schema: { summary: "One correction task", params: Id, response: { 200: z.object({ task: LedgerTask }) } },
    },
    async (request) => {
      const task = await store.tasks.get(request.params.id);
      if (task === undefined) throw notFound(`no task ${request.params.id}`);
      assertCovers(request, task.siteId);
      return { task: withDue(task) };
    },
  );

  app.post(
    "/tasks/:id/assign",
    {
      config: { policy: operator },
      schema: {
        summary: "Assign a task to a named person (open or assigned → assigned; a started task stays started)",
        params: Id,
        body: z.object({ assignee: PersonName }).strict(),
        response: { 200: Changed },
      },
    },
    async (request) => {
      await covered(request, request.params.id);
      return answer(request.params.id, await store.tasks.assign(request.params.id, request.body.assignee));
    },
  );

  app.post(
    "/tasks/:id/start",
    {
      config: { policy: operator },
      schema: {
        summary: "Start work on a task (open or assigned → started); the caller becomes its assignee when it has none",
        params: Id,
        // No body, or an empty object: fastify hands a bodiless POST over as null.
        body: z.object({}).strict().nullish(),
        response: { 200: Changed },
      },
    },
    async (request) => {
      await covered(request, request.params.id);
      return answer(request.params.id, await store.tasks.start(request.params.id, actorOf(request)));
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
      return answer(request.params.id, await store.tasks.complete(request.params.id, request.body, actorOf(request)));
    },
  );

  app.post(
    "/tasks/:id/dismiss",
    {
      config: { policy: supervisor },
      schema: {
        summary: "Dismiss a task with the reason (no stock change)",
        params: Id,
        body: z.object({ reason: z.string().trim().min(1).max(500) }).strict(),
        response: { 200: Changed },
      },
    },
    async (request) => {
      await covered(request, request.params.id);
      return answer(
        request.params.id,
        await store.tasks.dismiss(request.params.id, actorOf(request), request.body.reason),
      );
    },
  );
};
