import {
  CorrectionTask,
  type Movement,
  type TaskOutcome,
  TaskOutcome as TaskOutcomeSchema,
  TaskStatus,
} from "@tally/protocols";
import type { Alert } from "../alerts/alert.js";
import { CLOUD_SOURCE } from "../ledger/cloud-source.js";
import type { CommitMeta } from "../ledger/ledger-store.js";
import { adjustmentBatchId, adjustmentId, taskAdjustments } from "../tasks/task-adjustments.js";
import { overdueCutoffs, type TaskDuePolicy } from "../tasks/task-due.js";
import { applyTaskAction, type TaskAction, UNFINISHED } from "../tasks/task-lifecycle.js";
import type { LedgerTask, TaskChange, TaskQuery, TaskStore } from "../tasks/task-store.js";
import { iso, json, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { addLimit, addSeqCursor } from "./sql-paging.js";

/**
 * What the task store needs of the ledger: commit a task's ADJUSTMENT
 * movements inside the transaction that closes the task (so both happen or
 * neither does), idempotently by movement id. Returns the stock alerts the
 * movements opened or resolved.
 */
export type PostAdjustments = (tx: SqlDb, meta: CommitMeta, movements: readonly Movement[]) => Promise<Alert[]>;

interface TaskRow {
  status: string;
  body: unknown;
  assignee: string | null;
  outcome: unknown;
  adjustment_ids: unknown;
  updated_at: unknown;
  created_at: unknown;
}

/** Correction tasks on SQL (the ledger's `tasks` table, their content in `events`). */
export class SqlTaskStore implements TaskStore {
  readonly #driver: SqlDriver;
  readonly #postAdjustments: PostAdjustments;

  constructor(driver: SqlDriver, postAdjustments: PostAdjustments) {
    this.#driver = driver;
    this.#postAdjustments = postAdjustments;
  }

  async list(query: TaskQuery = {}): Promise<LedgerTask[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      where.push("t.status = ?");
      params.push(query.status);
    }
    if (query.siteId !== undefined) {
      where.push("t.site_id = ?");
      params.push(query.siteId);
    }
    if (query.taskType !== undefined) {
      where.push("t.task_type = ?");
      params.push(query.taskType);
    }
    if (query.assignee !== undefined) {
      where.push("t.assignee = ?");
      params.push(query.assignee);
    }
    if (query.overdue !== undefined) {
      const overdue = this.#overdueFilter(query.overdue.now, query.overdue.policy);
      where.push(overdue.sql);
      params.push(...overdue.params);
    }
    addSeqCursor(where, params, "tasks", query.after, "t.seq");
    const limit = addLimit(params, query.limit);
    return readTasks(this.#driver.read, where.join(" AND "), params, limit);
  }

  async get(id: string): Promise<LedgerTask | undefined> {
    return (await readTasks(this.#driver.read, "t.id = ?", [id]))[0];
  }

  async overdueTasks(now: string, policy: TaskDuePolicy, limit: number): Promise<LedgerTask[]> {
    return this.list({ overdue: { now, policy }, limit });
  }

  /**
   * Unfinished, and recorded before its type's cutoff: one comparison per
   * task type against the creation time, which an unfinished task's row
   * carries in `events` (the statuses index finds the unfinished ones).
   */
  #overdueFilter(now: string, policy: TaskDuePolicy): { sql: string; params: unknown[] } {
    const status = UNFINISHED.map(() => "?").join(", ");
    const cutoffs = overdueCutoffs(now, policy);
    return {
      sql: `t.status IN (${status}) AND (${cutoffs.map(() => "(t.task_type = ? AND e.committed_at < ?)").join(" OR ")})`,
      params: [...UNFINISHED, ...cutoffs.flatMap((c) => [c.taskType, this.#driver.timestamp(c.before)])],
    };
  }

  async assign(id: string, assignee: string): Promise<TaskChange> {
    return this.#change(id, { action: "assign", assignee });
  }

  async start(id: string, by: string): Promise<TaskChange> {
    return this.#change(id, { action: "start", by });
  }

  async complete(id: string, outcome: TaskOutcome, by: string): Promise<TaskChange> {
    const adjustmentIds = outcome.outcome === "adjusted" ? outcome.adjustments.map((_, i) => adjustmentId(id, i)) : [];
    return this.#change(id, { action: "complete", by, outcome, adjustmentIds });
  }

  async dismiss(id: string, by: string, reason: string): Promise<TaskChange> {
    return this.#change(id, { action: "dismiss", by, reason });
  }

  /**
   * Reads the task locked for the transaction (PostgreSQL: a second
   * change of the same task waits, then sees the first one's status),
   * applies the action, writes the row, and posts a completion's
   * adjustments in the same transaction.
   */
  async #change(id: string, action: TaskAction): Promise<TaskChange> {
    return this.#driver.write(async (tx) => {
      const lock = this.#driver.forUpdate.replace("FOR UPDATE", "FOR UPDATE OF t");
      const task = (await readTasks(tx, "t.id = ?", [id], lock))[0];
      if (task === undefined) return { ok: false, reason: "not-found" };
      const now = new Date().toISOString();
      const changed = applyTaskAction(task, action, now);
      if (changed === undefined) return { ok: false, reason: "bad-state", status: task.status };
      let adjustments: Movement[] = [];
      let alerts: Alert[] = [];
      if (action.action === "complete") {
        adjustments = taskAdjustments(id, action.outcome, now);
        if (adjustments.length > 0) {
          const meta = { edgeId: CLOUD_SOURCE, siteId: task.siteId, batchId: adjustmentBatchId(id), seq: 0 };
          alerts = await this.#postAdjustments(tx, meta, adjustments);
        }
      }
      await tx.run(
        "UPDATE tasks SET status = ?, assignee = ?, outcome = ?, adjustment_ids = ?, updated_at = ? WHERE id = ?",
        [
          changed.status,
          changed.assignee ?? null,
          changed.outcome === undefined ? null : JSON.stringify(changed.outcome),
          changed.adjustmentIds === undefined ? null : JSON.stringify(changed.adjustmentIds),
          this.#driver.timestamp(now),
          id,
        ],
      );
      return { ok: true, task: changed, adjustments, alerts };
    });
  }
}

async function readTasks(db: SqlDb, where: string, params: readonly unknown[], suffix = ""): Promise<LedgerTask[]> {
  const rows = await db.all<TaskRow>(
    `SELECT t.status, e.body, t.assignee, t.outcome, t.adjustment_ids, t.updated_at, e.committed_at AS created_at
     FROM tasks t JOIN events e ON e.id = t.id ${where !== "" ? `WHERE ${where}` : ""} ORDER BY t.seq${suffix}`,
    params,
  );
  return rows.map(taskFromRow);
}

function taskFromRow(r: TaskRow): LedgerTask {
  const task: LedgerTask = {
    ...CorrectionTask.parse(json(r.body)),
    status: TaskStatus.parse(r.status),
    createdAt: iso(r.created_at),
  };
  if (r.assignee !== null) task.assignee = r.assignee;
  if (r.outcome !== null) task.outcome = TaskOutcomeSchema.parse(json(r.outcome));
  if (r.adjustment_ids !== null) task.adjustmentIds = json<string[]>(r.adjustment_ids);
  if (task.status === "dismissed" && task.outcome?.note !== undefined) task.dismissReason = task.outcome.note;
  if (r.updated_at !== null) task.updatedAt = iso(r.updated_at);
  return task;
}
