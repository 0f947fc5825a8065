import { CorrectionTaskType } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { DEFAULT_TASK_DUE, dueAt, dueMinutes, overdueCutoffs, parseTaskDue, TaskDuePolicy } from "./task-due.js";

describe("task due times", () => {
  it("dueAt is the creation time plus the type's minutes, or the default's for a type the policy does not name", () => {
    const policy: TaskDuePolicy = { defaultMinutes: 60, byType: { COUNT_MISMATCH: 240 } };
    const createdAt = "2026-12-03T08:00:00.000Z";
    expect(dueAt({ taskType: "COUNT_MISMATCH", createdAt }, policy)).toBe("2026-12-03T12:00:00.000Z");
    expect(dueAt({ taskType: "UNKNOWN_TAG", createdAt }, policy)).toBe("2026-12-03T09:00:00.000Z");
    // An offset in the creation time is an instant like any other.
    expect(dueAt({ taskType: "UNKNOWN_TAG", createdAt: "2026-12-03T09:00:00+01:00" }, policy)).toBe(
      "2026-12-03T09:00:00.000Z",
    );
  });

  it("the defaults give every task type a due time, count mismatches four hours", () => {
    expect(TaskDuePolicy.parse(DEFAULT_TASK_DUE)).toEqual(DEFAULT_TASK_DUE);
    expect(dueMinutes("COUNT_MISMATCH", DEFAULT_TASK_DUE)).toBe(240);
    for (const type of CorrectionTaskType.options) expect(dueMinutes(type, DEFAULT_TASK_DUE)).toBeGreaterThan(0);
    // An empty policy file section means the built-in default for every type.
    expect(TaskDuePolicy.parse({})).toEqual({ defaultMinutes: 1440, byType: {} });
  });

  it("overdue cutoffs: one per task type, its minutes before now", () => {
    const cutoffs = overdueCutoffs("2026-12-03T12:00:00.000Z", { defaultMinutes: 60, byType: { WRONG_DOCK: 30 } });
    expect(cutoffs.map((c) => c.taskType).sort()).toEqual([...CorrectionTaskType.options].sort());
    expect(cutoffs.find((c) => c.taskType === "WRONG_DOCK")?.before).toBe("2026-12-03T11:30:00.000Z");
    expect(cutoffs.find((c) => c.taskType === "UNKNOWN_TAG")?.before).toBe("2026-12-03T11:00:00.000Z");
  });

  it("parses TYPE=minutes lists over the defaults and refuses unknown types, non-numbers and zero", () => {
    const policy = parseTaskDue("COUNT_MISMATCH=120, default=720");
    expect(policy.defaultMinutes).toBe(720);
    expect(policy.byType.COUNT_MISMATCH).toBe(120);
    expect(policy.byType.WRONG_DOCK).toBe(DEFAULT_TASK_DUE.byType.WRONG_DOCK);
    expect(parseTaskDue("")).toEqual(DEFAULT_TASK_DUE);
    for (const bad of [
      "NOT_A_TYPE=5",
      "COUNT_MISMATCH=soon",
      "COUNT_MISMATCH=0",
      "COUNT_MISMATCH=1.5",
      "default=-3",
      "x",
    ]) {
      expect(() => parseTaskDue(bad), bad).toThrow();
    }
  });
});
