import { CorrectionTaskType } from "@tally/protocols";
import { z } from "zod";

/** A due time in minutes: at least one, at most a year. */
const Minutes = z.number().int().min(1).max(525_600);

/**
 * How long each kind of correction task may stay unfinished, in minutes from
 * when the cloud recorded it. `byType` overrides `defaultMinutes` per task
 * type; a type it does not name takes the default.
 */
export const TaskDuePolicy = z
  .object({
    defaultMinutes: Minutes.default(1440),
    byType: z.partialRecord(CorrectionTaskType, Minutes).default({}),
  })
  .strict();
export type TaskDuePolicy = z.infer<typeof TaskDuePolicy>;

/**
 * The due times a site gets without configuration. Short where goods are
 * about to leave or spoil (a pallet at the wrong dock goes out on the wrong
 * truck; an item in a zone it may not be in may be chilled goods warming),
 * a shift's half for disagreements with the ledger, a day for what only
 * needs a look (an unknown tag).
 */
export const DEFAULT_TASK_DUE: TaskDuePolicy = {
  defaultMinutes: 1440,
  byType: {
    QUARANTINE: 30,
    WRONG_DOCK: 30,
    WRONG_ZONE: 60,
    COUNT_MISMATCH: 240,
    WEIGHT_NOT_WHOLE_UNITS: 240,
    // A scan and its shelf bin that disagree: the same half shift as the shelf's own disagreements.
    SCAN_WITHOUT_SHELF_CHANGE: 240,
    SCAN_SHELF_QTY_MISMATCH: 240,
    UNEXPECTED_ITEM: 240,
    MISSING_EXPECTED: 240,
    UNCONFIRMED_PASS: 480,
    UNKNOWN_ORIGIN: 480,
    UNKNOWN_TAG: 1440,
  },
};

/** Minutes a task of this type has. */
export function dueMinutes(taskType: CorrectionTaskType, policy: TaskDuePolicy): number {
  return policy.byType[taskType] ?? policy.defaultMinutes;
}

/** When a task is due (ISO 8601): when the cloud recorded it plus its type's due time. */
export function dueAt(task: { taskType: CorrectionTaskType; createdAt: string }, policy: TaskDuePolicy): string {
  return new Date(Date.parse(task.createdAt) + dueMinutes(task.taskType, policy) * 60_000).toISOString();
}

/**
 * Per task type, the latest creation time (ISO 8601) of a task that is
 * overdue at `now`: a store compares its creation column with these, so a
 * query needs no date arithmetic of its own.
 */
export function overdueCutoffs(now: string, policy: TaskDuePolicy): { taskType: CorrectionTaskType; before: string }[] {
  const at = Date.parse(now);
  return CorrectionTaskType.options.map((taskType) => ({
    taskType,
    before: new Date(at - dueMinutes(taskType, policy) * 60_000).toISOString(),
  }));
}

/**
 * Parses `TYPE=minutes,…` (e.g. `COUNT_MISMATCH=120,WRONG_DOCK=15,default=720`)
 * over the defaults; throws a zod error naming the bad entry.
 */
export function parseTaskDue(text: string, base: TaskDuePolicy = DEFAULT_TASK_DUE): TaskDuePolicy {
  const byType: Record<string, number> = { ...base.byType };
  let defaultMinutes = base.defaultMinutes;
  for (const entry of text.split(",")) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    const [key = "", value = "", ...rest] = trimmed.split("=");
    const minutes = rest.length === 0 && /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (key.trim() === "default") defaultMinutes = minutes;
    else byType[key.trim()] = minutes;
  }
  return TaskDuePolicy.parse({ defaultMinutes, byType });
}
