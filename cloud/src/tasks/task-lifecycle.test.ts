import type { TaskStatus } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { ACTION_FROM, applyTaskAction, type TaskAction } from "./task-lifecycle.js";
import type { LedgerTask } from "./task-store.js";

const NOW = "2026-12-03T10:00:00.000Z";
const task = (status: TaskStatus, assignee?: string): LedgerTask => ({
  kind: "task",
  id: "t-1",
  siteId: "S1",
  occurredAt: "2026-12-03T08:00:00.000Z",
  taskType: "COUNT_MISMATCH",
  location: "S1/A/01",
  priority: "high",
  detail: "counted 3, the ledger has 5",
  evidence: { deviceId: "shelf-1", observationIds: [] },
  createdAt: "2026-12-03T08:00:05.000Z",
  status,
  ...(assignee !== undefined && { assignee }),
});
const ACTIONS: TaskAction[] = [
  { action: "assign", assignee: "ana" },
  { action: "start", by: "bo" },
  { action: "complete", by: "bo", outcome: { outcome: "no-change" }, adjustmentIds: [] },
  { action: "dismiss", by: "sam", reason: "double count" },
];
const STATUSES: TaskStatus[] = ["open", "assigned", "started", "done", "dismissed"];

describe("task lifecycle", () => {
  it("allows each action only from its statuses; done and dismissed are final", () => {
    for (const action of ACTIONS) {
      for (const status of STATUSES) {
        const after = applyTaskAction(task(status), action, NOW);
        expect(after !== undefined, `${action.action} from ${status}`).toBe(
          ACTION_FROM[action.action].includes(status),
        );
      }
    }
    expect(ACTIONS.every((a) => applyTaskAction(task("done"), a, NOW) === undefined)).toBe(true);
    expect(ACTIONS.every((a) => applyTaskAction(task("dismissed"), a, NOW) === undefined)).toBe(true);
  });

  it("start takes the caller as assignee only when there is none", () => {
    expect(applyTaskAction(task("open"), { action: "start", by: "bo" }, NOW)).toMatchObject({
      status: "started",
      assignee: "bo",
      updatedAt: NOW,
    });
    expect(applyTaskAction(task("assigned", "ana"), { action: "start", by: "bo" }, NOW)).toMatchObject({
      status: "started",
      assignee: "ana",
    });
  });

  it("assigning a started task hands it over without stopping it", () => {
    expect(applyTaskAction(task("started", "ana"), { action: "assign", assignee: "eli" }, NOW)).toMatchObject({
      status: "started",
      assignee: "eli",
    });
    expect(applyTaskAction(task("open"), { action: "assign", assignee: "eli" }, NOW)).toMatchObject({
      status: "assigned",
    });
  });

  it("complete records the outcome and its adjustments; dismiss the reason, as a no-change outcome too", () => {
    const outcome = { outcome: "adjusted" as const, adjustments: [{ sku: "SKU-1", location: "S1/A/01", qty: -2 }] };
    expect(
      applyTaskAction(task("started", "ana"), { action: "complete", by: "bo", outcome, adjustmentIds: ["m-1"] }, NOW),
    ).toMatchObject({ status: "done", assignee: "ana", outcome, adjustmentIds: ["m-1"] });
    expect(applyTaskAction(task("open"), { action: "dismiss", by: "sam", reason: "double count" }, NOW)).toMatchObject({
      status: "dismissed",
      assignee: "sam",
      dismissReason: "double count",
      outcome: { outcome: "no-change", note: "double count" },
    });
  });
});
