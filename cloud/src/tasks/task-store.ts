import type { CorrectionTask, CorrectionTaskType, Movement, TaskOutcome, TaskStatus } from "@tally/protocols";
import type { Alert } from "../alerts/alert.js";
import type { TaskDuePolicy } from "./task-due.js";

/** A correction task as the ledger keeps it, with its lifecycle. */
export type LedgerTask = CorrectionTask & {
  status: TaskStatus;
  /** Who should do it (assigned), is on it (started) or closed it. */
  assignee?: string;
  outcome?: TaskOutcome;
  /** ADJUSTMENT movements its outcome posted. */
  adjustmentIds?: string[];
  /** Why it was dismissed (a dismissed task always says, but those dismissed before reasons were required). */
  dismissReason?: string;
  /** When the cloud recorded it (ISO 8601): its due time counts from here. */
  createdAt: string;
  /** When it was last changed (ISO 8601). */
  updatedAt?: string;
};

/** Which tasks a page shows: every filter given must hold. */
export interface TaskQuery {
  status?: TaskStatus;
  siteId?: string;
  taskType?: CorrectionTaskType;
  assignee?: string;
  /** Only unfinished tasks past their due time at `now` under `policy`. */
  overdue?: { now: string; policy: TaskDuePolicy };
  /** At most this many (capped at MAX_PAGE_LIMIT + 1); none: all (internal use). */
  limit?: number;
  /** Tasks created after the task with this id. */
  after?: string;
}

export type TaskChange =
  | {
      ok: true;
      task: LedgerTask;
      adjustments: Movement[];
      /** Stock alerts the adjustments opened or resolved. */
      alerts: Alert[];
    }
  | { ok: false; reason: "not-found" | "bad-state"; status?: LedgerTask["status"] };

/**
 * Correction tasks behind a port: reads and the lifecycle after creation
 * (tasks are created by the ledger's commit, with the batch that found
 * them). Every change is one transaction; a final task (done, dismissed)
 * never changes again.
 */
export interface TaskStore {
  /** Tasks in creation order. */
  list(query?: TaskQuery): Promise<LedgerTask[]>;
  get(id: string): Promise<LedgerTask | undefined>;
  /** open|assigned → assigned; a started task keeps its status with its new assignee. */
  assign(id: string, assignee: string): Promise<TaskChange>;
  /** open|assigned → started; the assignee stays, or becomes `by` when there is none. */
  start(id: string, by: string): Promise<TaskChange>;
  /** open|assigned|started → done, posting the outcome's adjustments in the same transaction, exactly once. */
  complete(id: string, outcome: TaskOutcome, by: string): Promise<TaskChange>;
  /** open|assigned|started → dismissed, with the reason. */
  dismiss(id: string, by: string, reason: string): Promise<TaskChange>;
  /** Unfinished tasks past their due time at `now` (ISO 8601), oldest first, at most `limit`. */
  overdueTasks(now: string, policy: TaskDuePolicy, limit: number): Promise<LedgerTask[]>;
}
