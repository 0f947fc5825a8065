import { describe, expect, it } from "vitest";
import { condition } from "../testing/fixtures.js";
import { applyCondition, severityOf } from "./apply-condition.js";

const id = () => "alert-1";

describe("applyCondition", () => {
  it("opens an alert for a raised condition with no open alert", () => {
    const c = condition();
    expect(applyCondition(undefined, c, id)).toEqual({
      action: "open",
      alert: {
        id: "alert-1",
        dedupKey: c.key,
        kind: "TEMPERATURE_EXCURSION",
        severity: "critical",
        status: "open",
        siteId: "S1",
        location: "S1/COLD/01",
        message: "chilled zone above 8 °C",
        value: 9.5,
        limit: 8,
        unit: "°C",
        raisedAt: c.occurredAt,
      },
    });
  });

  it("does not open a second alert for a key already open", () => {
    const open = applyCondition(undefined, condition(), id);
    expect(open?.action).toBe("open");
    expect(applyCondition(open?.alert, condition(), id)).toBeUndefined();
  });

  it("resolves the open alert when the condition clears", () => {
    const open = applyCondition(undefined, condition(), id)?.alert;
    const cleared = condition({ state: "cleared", occurredAt: "2026-11-22T09:00:00.000Z" });
    expect(applyCondition(open, cleared, id)).toEqual({
      action: "resolve",
      alert: { ...open, status: "resolved", resolvedAt: "2026-11-22T09:00:00.000Z" },
    });
  });

  it("ignores a cleared condition with nothing open", () => {
    expect(applyCondition(undefined, condition({ state: "cleared" }), id)).toBeUndefined();
  });

  it("leaves optional fields out and writes a message when the condition has no detail", () => {
    const {
      location: _l,
      value: _v,
      limit: _m,
      unit: _u,
      ...bare
    } = condition({
      conditionType: "DEVICE_SILENT",
      detail: "",
    });
    const change = applyCondition(undefined, bare, id);
    expect(change?.alert).toEqual({
      id: "alert-1",
      dedupKey: bare.key,
      kind: "DEVICE_SILENT",
      severity: "warning",
      status: "open",
      siteId: "S1",
      message: "DEVICE_SILENT on temp-1",
      raisedAt: bare.occurredAt,
    });
  });

  it("rates temperature excursions critical and the rest warnings", () => {
    expect(severityOf("TEMPERATURE_EXCURSION")).toBe("critical");
    expect(severityOf("DEVICE_SILENT")).toBe("warning");
    expect(severityOf("SHELF_UNSTABLE")).toBe("warning");
  });
});
