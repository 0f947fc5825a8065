import type { Telemetry } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import type { Alert } from "./alert.js";
import { AlertPolicy } from "./alert-policy.js";
import {
  deadLetterCauses,
  edgeNotHeardCauses,
  edgeNotHeardKey,
  notifierFailingCause,
  taskOverdueCauses,
  taskOverdueKey,
} from "./cloud-rules.js";

const now = new Date("2026-12-03T10:00:00.000Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
let n = 0;
const id = () => `a-${++n}`;
const live = (key: string, over: Partial<Alert> = {}): [string, Alert] => [
  key,
  {
    id: "x",
    dedupKey: key,
    kind: "EDGE_NOT_HEARD",
    severity: "major",
    status: "open",
    siteId: "S1",
    message: "",
    raisedAt: minutesAgo(9),
    ...over,
  },
];

describe("edge not heard", () => {
  const policy = new AlertPolicy({
    rules: { edgeSilentMinutes: 5 },
    sites: { S2: { rules: { edgeSilentMinutes: 1 } } },
  });
  it("raises for an edge silent past its site's limit, once; clears when heard again", () => {
    const contacts = [
      { edgeId: "e1", siteId: "S1", lastSeenAt: minutesAgo(6) },
      { edgeId: "e2", siteId: "S1", lastSeenAt: minutesAgo(2) },
      { edgeId: "e3", siteId: "S2", lastSeenAt: minutesAgo(2) },
    ];
    const causes = edgeNotHeardCauses(contacts, new Map(), policy, now, id);
    expect(causes.map((c) => (c.state === "raised" ? c.alert.edgeId : "cleared"))).toEqual(["e1", "e3"]);
    expect(
      edgeNotHeardCauses(
        contacts,
        new Map([live(edgeNotHeardKey("e1")), live(edgeNotHeardKey("e3"))]),
        policy,
        now,
        id,
      ),
    ).toEqual([]);
    const heard = [{ edgeId: "e1", siteId: "S1", lastSeenAt: minutesAgo(0) }];
    expect(edgeNotHeardCauses(heard, new Map([live(edgeNotHeardKey("e1"))]), policy, now, id)).toEqual([
      { state: "cleared", at: now.toISOString(), dedupKey: edgeNotHeardKey("e1") },
    ]);
  });

  it("one alert per silence: resolved by a person while the edge stays silent, it is not raised again", () => {
    const silent = [{ edgeId: "e1", siteId: "S1", lastSeenAt: minutesAgo(20) }];
    const resolved = new Map([live(edgeNotHeardKey("e1"), { status: "resolved", raisedAt: minutesAgo(14) })]);
    expect(edgeNotHeardCauses(silent, resolved, policy, now, id)).toEqual([]);
    // Heard, then silent again: a new silence, a new alert.
    const again = [{ edgeId: "e1", siteId: "S1", lastSeenAt: minutesAgo(10) }];
    expect(edgeNotHeardCauses(again, resolved, policy, now, id)).toEqual([
      expect.objectContaining({ state: "raised" }),
    ]);
  });
});

describe("tasks overdue", () => {
  it("raises per overdue task not yet alerted, and clears those no longer overdue (done or dismissed)", () => {
    const overdue = [{ id: "t1", siteId: "S1", taskType: "COUNT_MISMATCH", location: "S1/A/01", dueAt: minutesAgo(3) }];
    const current = new Map([
      live(taskOverdueKey("t1"), { kind: "TASK_OVERDUE" }),
      live(taskOverdueKey("t0"), { kind: "TASK_OVERDUE" }),
    ]);
    expect(taskOverdueCauses(overdue, current, current, now, id)).toEqual([
      { state: "cleared", at: now.toISOString(), dedupKey: taskOverdueKey("t0") },
    ]);
    // Resolved by a person while the task is still overdue: not raised again.
    const resolved = new Map([live(taskOverdueKey("t1"), { kind: "TASK_OVERDUE", status: "resolved" })]);
    expect(taskOverdueCauses(overdue, resolved, new Map(), now, id)).toEqual([]);
    const fresh = taskOverdueCauses(overdue, new Map(), new Map(), now, id);
    expect(fresh).toEqual([
      expect.objectContaining({
        state: "raised",
        alert: expect.objectContaining({ kind: "TASK_OVERDUE", location: "S1/A/01" }),
      }),
    ]);
  });
});

describe("dead-letter rate", () => {
  const t = (value: number, deviceId = "scanner-1"): Telemetry => ({
    kind: "telemetry",
    id: `t-${++n}`,
    siteId: "S1",
    occurredAt: now.toISOString(),
    deviceId,
    metric: "dead-letters",
    value,
    unit: "msg/min",
  });
  const policy = new AlertPolicy({ rules: { deadLettersPerMinute: 10 } });
  it("raises above the policy's rate per device, clears at or under it, ignores other metrics", () => {
    const causes = deadLetterCauses(
      [t(11), t(10, "scanner-2"), { ...t(500), metric: "temperature" }],
      "edge-1",
      policy,
      id,
    );
    expect(causes).toEqual([
      expect.objectContaining({
        state: "raised",
        alert: expect.objectContaining({
          kind: "DEAD_LETTER_RATE",
          deviceId: "scanner-1",
          edgeId: "edge-1",
          value: 11,
          limit: 10,
        }),
      }),
      expect.objectContaining({ state: "cleared", dedupKey: "DEAD_LETTER_RATE:S1/scanner-2" }),
    ]);
  });
});

describe("notifier failing", () => {
  const hook = { id: "w1", name: "control room", url: "https://hooks.example.com/x?token=secret", siteIds: ["S1"] };
  it("raises under the webhook's one site without its URL's secrets, clears on recovery", () => {
    const cause = notifierFailingCause(hook, { since: minutesAgo(12) }, now, id);
    expect(cause).toMatchObject({
      state: "raised",
      alert: { kind: "NOTIFIER_FAILING", siteId: "S1", dedupKey: "NOTIFIER_FAILING:w1" },
    });
    expect(cause.state === "raised" && cause.alert.message).not.toMatch(/secret/);
    expect(notifierFailingCause({ ...hook, siteIds: undefined }, { since: minutesAgo(12) }, now, id)).toMatchObject({
      alert: { siteId: "_cloud" },
    });
    expect(notifierFailingCause(hook, undefined, now, id)).toEqual({
      state: "cleared",
      at: now.toISOString(),
      dedupKey: "NOTIFIER_FAILING:w1",
    });
  });
});
