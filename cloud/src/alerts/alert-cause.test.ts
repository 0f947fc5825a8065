import { describe, expect, it } from "vitest";
import { condition } from "../testing/fixtures.js";
import type { Alert } from "./alert.js";
import { applyCauses } from "./alert-cause.js";
import { AlertPolicy } from "./alert-policy.js";
import { conditionCause } from "./apply-condition.js";

const at = (second: number) => new Date(Date.UTC(2026, 11, 3, 8, 0, second)).toISOString();
let n = 0;
const id = () => `alert-${++n}`;

describe("conditions as alert causes under the policy", () => {
  it("opens one alert per key with the policy's severity, the device and the edge that sent it", () => {
    const live = new Map<string, Alert>();
    const raised = conditionCause(condition(), "E1", id);
    const { updates } = applyCauses(live, [raised, conditionCause(condition(), "E1", id)], new AlertPolicy());
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      isNew: true,
      events: ["raised"],
      alert: { kind: "TEMPERATURE_EXCURSION", severity: "critical", status: "open", edgeId: "E1", occurrences: 1 },
    });
    expect(updates[0]?.alert.deviceId).toBe(condition().deviceId);
  });

  it("takes severity from the site's override over the document's and the default", () => {
    const policy = new AlertPolicy({
      kinds: { TEMPERATURE_EXCURSION: { severity: "major" } },
      sites: { S2: { kinds: { TEMPERATURE_EXCURSION: { severity: "minor" } } } },
    });
    const s1 = applyCauses(new Map(), [conditionCause(condition(), "E1", id)], policy);
    const s2 = applyCauses(new Map(), [conditionCause(condition({ siteId: "S2" }), "E2", id)], policy);
    expect(s1.updates[0]?.alert.severity).toBe("major");
    expect(s2.updates[0]?.alert.severity).toBe("minor");
  });

  it("holds a kind with a grace period as pending, untold, and drops it when the cause clears within it", () => {
    const policy = new AlertPolicy({ kinds: { TEMPERATURE_EXCURSION: { graceSeconds: 60 } } });
    const live = new Map<string, Alert>();
    const first = applyCauses(live, [conditionCause(condition({ occurredAt: at(0) }), "E1", id)], policy);
    expect(first.updates[0]).toMatchObject({ alert: { status: "pending" }, events: [] });
    const cleared = condition({ state: "cleared", occurredAt: at(2) });
    const second = applyCauses(live, [conditionCause(cleared, "E1", id)], policy);
    expect(second).toEqual({ updates: [], dropped: [first.updates[0]?.alert] });
    expect(live.size).toBe(0);
  });

  it("raised and cleared within one batch during the grace: nothing written at all", () => {
    const policy = new AlertPolicy({ kinds: { TEMPERATURE_EXCURSION: { graceSeconds: 60 } } });
    const out = applyCauses(
      new Map(),
      [
        conditionCause(condition({ occurredAt: at(0) }), "E1", id),
        conditionCause(condition({ state: "cleared", occurredAt: at(1) }), "E1", id),
      ],
      policy,
    );
    expect(out).toEqual({ updates: [], dropped: [] });
  });

  it("a cleared cause leaves the alert cleared; raised again it is the same alert, open, two occurrences", () => {
    const live = new Map<string, Alert>();
    const policy = new AlertPolicy();
    const opened = applyCauses(live, [conditionCause(condition({ occurredAt: at(0) }), "E1", id)], policy);
    const alertId = opened.updates[0]?.alert.id;
    applyCauses(live, [conditionCause(condition({ state: "cleared", occurredAt: at(5) }), "E1", id)], policy);
    const again = applyCauses(live, [conditionCause(condition({ occurredAt: at(9) }), "E1", id)], policy);
    expect(again.updates[0]).toMatchObject({
      isNew: false,
      events: ["re-opened"],
      alert: { id: alertId, status: "open", occurrences: 2, lastRaisedAt: at(9) },
    });
  });
});
