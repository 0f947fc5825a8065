import type { OverdueTask } from "../alerts/cloud-rules.js";
import { dueAt, type TaskDuePolicy } from "./task-due.js";
import type { TaskStore } from "./task-store.js";

/** At most this many overdue tasks are alerted on per sweep (oldest first). */
export const OVERDUE_LIMIT = 1000;

/** What the alert sweeper's TASK_OVERDUE rule reads: the task store's overdue tasks with their due times. */
export function overdueTaskSource(
  tasks: Pick<TaskStore, "overdueTasks">,
  policy: TaskDuePolicy,
  limit = OVERDUE_LIMIT,
): (now: Date) => Promise<OverdueTask[]> {
  return async (now) =>
    (await tasks.overdueTasks(now.toISOString(), policy, limit)).map((t) => ({
      id: t.id,
      siteId: t.siteId,
      taskType: t.taskType,
      location: t.location,
      dueAt: dueAt(t, policy),
    }));
}
