import { describe, expect, it } from "vitest";
import type { Alert } from "./alert.js";
import { type ActionResult, acknowledge, clear, escalate, raise, remind, resolve, worse } from "./alert-lifecycle.js";

const options = { reopenWindowMs: 10 * 60_000, graceMs: 0 };
const at = (minute: number) => new Date(Date.UTC(2026, 11, 3, 8, minute)).toISOString();
const fresh = (over: Partial<Alert> = {}): Alert => ({
  id: "a1",
  dedupKey: "TEMP:c1",
  kind: "TEMPERATURE_EXCURSION",
  severity: "critical",
  status: "open",
  siteId: "S1",
  message: "cold room at 9 °C",
  raisedAt: at(0),
  ...over,
});
const opened = (): Alert => {
  const u = raise(undefined, fresh(), at(0), options);
  if (u === undefined) throw new Error("not raised");
  return u.alert;
};
const ok = (r: ActionResult): Alert => {
  if (!r.ok) throw new Error(r.refusal);
  return r.update.alert;
};
const cleared = (alert: Alert, when: string): Alert => {
  const u = clear(alert, when);
  if (u === undefined || u === "drop") throw new Error("not cleared");
  return u.alert;
};

describe("alert lifecycle", () => {
  it("opens once per cause: raised again while active changes nothing", () => {
    const first = raise(undefined, fresh(), at(0), options);
    expect(first).toMatchObject({ isNew: true, events: ["raised"], alert: { status: "open", occurrences: 1 } });
    expect(first?.entries).toEqual([{ at: at(0), by: "system", action: "raised" }]);
    expect(raise(opened(), fresh({ id: "a2" }), at(1), options)).toBeUndefined();
  });

  it("open → acknowledged → resolved when the cause clears, who and when on the timeline", () => {
    const ack = acknowledge(opened(), "ana", at(2), "on my way");
    expect(ack.ok && ack.update.entries).toEqual([{ at: at(2), by: "ana", action: "acknowledged", note: "on my way" }]);
    const acked = ok(ack);
    expect(acked).toMatchObject({ status: "acknowledged", acknowledgedBy: "ana", acknowledgedAt: at(2) });
    const done = clear(acked, at(5));
    expect(done).toMatchObject({ alert: { status: "resolved", resolvedAt: at(5) }, events: ["resolved"] });
  });

  it("a cause that clears before anybody looked leaves it cleared, waiting for an acknowledgement", () => {
    const c = cleared(opened(), at(3));
    expect(c.status).toBe("cleared");
    expect(c.resolvedAt).toBeUndefined();
    expect(ok(acknowledge(c, "ben", at(4)))).toMatchObject({
      status: "resolved",
      acknowledgedBy: "ben",
      resolvedAt: at(4),
    });
  });

  it("flapping: back within the re-open window re-opens the resolved alert unacknowledged; later, a new one", () => {
    const resolved = cleared(ok(acknowledge(opened(), "ana", at(1))), at(2));
    const reopened = raise(resolved, fresh({ id: "a2" }), at(8), options);
    expect(reopened).toMatchObject({
      isNew: false,
      events: ["re-opened"],
      alert: { id: "a1", status: "open", occurrences: 2, raisedAt: at(0), lastRaisedAt: at(8) },
    });
    expect(reopened?.alert.acknowledgedBy).toBeUndefined();
    const later = raise(resolved, fresh({ id: "a3" }), at(30), options);
    expect(later).toMatchObject({ isNew: true, alert: { id: "a3", occurrences: 1, raisedAt: at(30) } });
  });

  it("refuses to act on a resolved alert, to acknowledge twice, or a pending one", () => {
    const acked = ok(acknowledge(opened(), "ana", at(1)));
    expect(acknowledge(acked, "ben", at(2))).toEqual({ ok: false, refusal: "ALERT_ALREADY_ACKNOWLEDGED" });
    const closed = ok(resolve(acked, "ana", at(3), "door propped for cleaning"));
    expect(closed).toMatchObject({ status: "resolved", resolvedAt: at(3) });
    expect(resolve(closed, "ana", at(4))).toEqual({ ok: false, refusal: "ALERT_RESOLVED" });
    expect(acknowledge(closed, "ana", at(4))).toEqual({ ok: false, refusal: "ALERT_RESOLVED" });
    expect(acknowledge({ ...opened(), status: "pending" }, "ana", at(1))).toEqual({
      ok: false,
      refusal: "ALERT_PENDING",
    });
  });

  it("escalates an open alert one severity worse, counting; reminds open and cleared ones only", () => {
    const minor = { ...opened(), severity: "minor" as const };
    expect(escalate(minor, at(20), "shift-lead")).toMatchObject({
      alert: { severity: "major", escalations: 1 },
      events: ["escalated"],
      entries: [{ action: "escalated", note: "minor → major, shift-lead told" }],
    });
    expect(escalate(ok(acknowledge(minor, "ana", at(1))), at(20), undefined)).toBeUndefined();
    expect(worse("warning")).toBe("minor");
    expect(worse("critical")).toBe("critical");
    expect(remind(opened(), at(30))).toMatchObject({ events: ["reminder"], entries: [{ action: "reminded" }] });
    expect(remind(cleared(opened(), at(2)), at(30))?.events).toEqual(["reminder"]);
    expect(remind(ok(acknowledge(opened(), "ana", at(1))), at(30))).toBeUndefined();
  });
});
