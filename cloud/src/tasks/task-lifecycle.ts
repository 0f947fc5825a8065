import type { TaskOutcome, TaskStatus } from "@tally/protocols";
import type { LedgerTask } from "./task-store.js";

/** What a person does to a task. */
export type TaskAction =
  | { action: "assign"; assignee: string }
  | { action: "start"; by: string }
  | { action: "complete"; by: string; outcome: TaskOutcome; adjustmentIds: readonly string[] }
  | { action: "dismiss"; by: string; reason: string };

/** The statuses each action may be taken from: done and dismissed are final. */
export const ACTION_FROM: Readonly<Record<TaskAction["action"], readonly TaskStatus[]>> = {
  assign: ["open", "assigned", "started"],
  start: ["open", "assigned"],
  complete: ["open", "assigned", "started"],
  dismiss: ["open", "assigned", "started"],
};

/** Statuses of a task still waiting for somebody: the ones that can be overdue. */
export const UNFINISHED: readonly TaskStatus[] = ["open", "assigned", "started"];

/**
 * The task after `action` at `now`, or undefined when its status does not
 * allow it. Who closes a task without an assignee becomes it, so a closed
 * task always says who had it.
 */
export function applyTaskAction(task: LedgerTask, action: TaskAction, now: string): LedgerTask | undefined {
  if (!ACTION_FROM[action.action].includes(task.status)) return undefined;
  switch (action.action) {
    case "assign":
      return {
        ...task,
        status: task.status === "started" ? "started" : "assigned",
        assignee: action.assignee,
        updatedAt: now,
      };
    case "start":
      return { ...task, status: "started", assignee: task.assignee ?? action.by, updatedAt: now };
    case "complete":
      return {
        ...task,
        status: "done",
        assignee: task.assignee ?? action.by,
        outcome: action.outcome,
        adjustmentIds: [...action.adjustmentIds],
        updatedAt: now,
      };
    case "dismiss":
      return {
        ...task,
        status: "dismissed",
        assignee: task.assignee ?? action.by,
        // Kept as a no-change outcome's note too: readers from before reasons were a field still find it.
        outcome: { outcome: "no-change", note: action.reason },
        dismissReason: action.reason,
        updatedAt: now,
      };
  }
}
