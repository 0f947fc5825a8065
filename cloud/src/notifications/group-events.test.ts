import { describe, expect, it } from "vitest";
import type { Alert } from "../alerts/alert.js";
import { alertEvent, EVENT_T0 as T0 } from "../testing/alert-events.js";
import { dueGroups, type OutboxEvent } from "./group-events.js";

describe("dueGroups", () => {
  const options = { windowMs: 30_000, criticalWindowMs: 5_000 };
  const at = (seq: number, offsetMs: number, overrides: Partial<Alert> = {}): OutboxEvent => ({
    seq,
    event: alertEvent({ id: `a${seq}`, ...overrides }, "raised", T0 + offsetMs),
  });

  it("holds a site and kind's events for the window from the first, then gives them as one group", () => {
    const pending = [at(1, 0), at(2, 10_000), at(3, 29_000), at(4, 1_000, { siteId: "S2" })];
    expect(dueGroups(pending, T0 + 29_999, options)).toEqual([]);
    const due = dueGroups(pending, T0 + 30_000, options);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ siteId: "S1", kind: "TEMPERATURE_EXCURSION" });
    expect(due[0]?.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(dueGroups(pending, T0 + 31_000, options).map((g) => g.siteId)).toEqual(["S1", "S2"]);
  });

  it("keeps kinds apart and a fixed window: a steady stream of events does not postpone the message", () => {
    const pending = Array.from({ length: 20 }, (_, k) => at(k + 1, k * 2_000));
    pending.push(at(100, 0, { kind: "DEVICE_SILENT" }));
    const due = dueGroups(pending, T0 + 30_000, options);
    expect(due.map((g) => [g.kind, g.events.length])).toEqual([
      ["TEMPERATURE_EXCURSION", 20],
      ["DEVICE_SILENT", 1],
    ]);
  });

  it("sends a group with a critical event after the critical window", () => {
    const pending = [at(1, 0), at(2, 1_000, { severity: "critical" })];
    expect(dueGroups(pending, T0 + 4_999, options)).toEqual([]);
    expect(dueGroups(pending, T0 + 5_000, options)[0]?.events).toHaveLength(2);
    // A critical window longer than the window is not honoured: no event waits longer than the window.
    expect(dueGroups(pending, T0 + 30_000, { windowMs: 30_000, criticalWindowMs: 60_000 })).toHaveLength(1);
  });

  it("gives an event whose time does not parse at once", () => {
    const bad: OutboxEvent = { seq: 1, event: { ...alertEvent(), at: "yesterday" } };
    expect(dueGroups([bad], T0, options)).toHaveLength(1);
  });
});
