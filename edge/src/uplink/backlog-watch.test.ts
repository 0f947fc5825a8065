import { describe, expect, it } from "vitest";
import { sequentialIds } from "../testing/demo-site.js";
import { BacklogWatch } from "./backlog-watch.js";

describe("BacklogWatch", () => {
  it("raises at 90 % of the bound, once, and clears under 80 %", () => {
    const watch = new BacklogWatch("edge-1", "DEMO", sequentialIds());
    const at = new Date("2026-11-22T08:00:00Z");
    const usage = (bytes: number) => ({ bytes, maxBytes: 1000, shed: { telemetry: 3 } });
    expect(watch.check(usage(500), at)).toBeUndefined();
    expect(watch.check(usage(900), at)).toMatchObject({
      conditionType: "EDGE_BACKLOG",
      state: "raised",
      key: "EDGE_BACKLOG:edge-1",
      value: 90,
      detail: expect.stringContaining("3 telemetry"),
    });
    expect(watch.check(usage(950), at)).toBeUndefined();
    expect(watch.check(usage(850), at)).toBeUndefined();
    expect(watch.check(usage(799), at)).toMatchObject({ state: "cleared" });
    expect(watch.check(usage(100), at)).toBeUndefined();
  });

  it("says nothing for an unbounded outbox", () => {
    const watch = new BacklogWatch("edge-1", "DEMO", sequentialIds());
    expect(watch.check({ bytes: 1e12, shed: {} }, new Date())).toBeUndefined();
  });
});
