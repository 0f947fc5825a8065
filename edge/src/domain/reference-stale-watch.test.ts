import { randomUUID } from "node:crypto";
import { Condition } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { ReferenceStaleWatch } from "./reference-stale-watch.js";

const MIN = 60_000;
const T0 = Date.parse("2026-12-05T08:00:00Z");

function watch(staleMs = 10 * MIN) {
  return new ReferenceStaleWatch("edge-1", "DEMO", staleMs, T0, randomUUID);
}

const refused = { ok: false as const, error: "HTTP 401" };

describe("ReferenceStaleWatch", () => {
  it("raises once the cloud has not confirmed the copy for the limit, counting from the start, and only once", () => {
    const w = watch();
    expect(w.polled(refused, T0 + 30_000)).toBeUndefined();
    expect(w.polled(refused, T0 + 10 * MIN - 1)).toBeUndefined();
    const raised = w.polled(refused, T0 + 10 * MIN + 30_000);
    expect(raised).toMatchObject({
      conditionType: "REFERENCE_DATA_STALE",
      state: "raised",
      key: "REFERENCE_DATA_STALE:edge-1",
      deviceId: "edge-1",
      siteId: "DEMO",
      value: 10.5,
      limit: 10,
      unit: "min",
      occurredAt: "2026-12-05T08:10:30.000Z",
    });
    expect(raised?.detail).toContain("has not refreshed its reference data for 10.5 min (HTTP 401)");
    expect(Condition.safeParse(raised).success).toBe(true);
    expect(w.polled(refused, T0 + 30 * MIN)).toBeUndefined();
  });

  it("counts from the last confirmation, and clears at the next one", () => {
    const w = watch();
    expect(w.polled({ ok: true }, T0 + 5 * MIN)).toBeUndefined();
    // Ten minutes after the start, but five after the cloud last answered: not stale yet.
    expect(w.polled(refused, T0 + 10 * MIN)).toBeUndefined();
    expect(w.polled(refused, T0 + 15 * MIN)?.state).toBe("raised");
    const cleared = w.polled({ ok: true }, T0 + 16 * MIN);
    expect(cleared).toMatchObject({ state: "cleared", key: "REFERENCE_DATA_STALE:edge-1", value: 0 });
    expect(Condition.safeParse(cleared).success).toBe(true);
    expect(w.polled({ ok: true }, T0 + 17 * MIN)).toBeUndefined();
    // A new episode after another stale stretch.
    expect(w.polled(refused, T0 + 27 * MIN)?.state).toBe("raised");
  });

  it("clears at the first confirmation what an earlier run of the edge left raised, counting anew", () => {
    const w = new ReferenceStaleWatch("edge-1", "DEMO", 10 * MIN, T0, randomUUID, true);
    expect(w.raised).toBe(true);
    // Still unreachable: nothing new to say, the earlier raise stands.
    expect(w.polled(refused, T0 + 20 * MIN)).toBeUndefined();
    expect(w.polled({ ok: true }, T0 + 21 * MIN)?.state).toBe("cleared");
    expect(w.raised).toBe(false);
  });

  it("keeps a hostile or huge error within the condition's limits", () => {
    const w = watch(MIN);
    const raised = w.polled({ ok: false, error: `${"\u0000<script>".repeat(500)}` }, T0 + 2 * MIN);
    expect(Condition.safeParse(raised).success).toBe(true);
  });
});
