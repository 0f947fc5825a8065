import { describe, expect, it } from "vitest";
import { handoffKey, rowsForPage, shedPlan } from "./telemetry-handoff.js";

describe("telemetry hand-off", () => {
  it("keys a single reading by its id and a batch by its count and its ids in order", () => {
    expect(handoffKey(["a"])).toBe("1:a");
    const ab = handoffKey(["a", "b"]);
    expect(ab).toMatch(/^2:[0-9a-f]{40}$/);
    expect(handoffKey(["a", "b"])).toBe(ab);
    expect(handoffKey(["b", "a"])).not.toBe(ab);
    // The separator keeps ids apart: ["ab", "c"] is not ["a", "bc"].
    expect(handoffKey(["ab", "c"])).not.toBe(handoffKey(["a", "bc"]));
  });

  it("pages whole rows up to the points asked for, and at least one row", () => {
    const rows = [
      { seq: 1, points: 3 },
      { seq: 2, points: 4 },
      { seq: 5, points: 1 },
    ];
    expect(rowsForPage(rows, 7)).toBe(2);
    expect(rowsForPage(rows, 6)).toBe(1);
    expect(rowsForPage(rows, 1)).toBe(1);
    expect(rowsForPage(rows, 100)).toBe(3);
    expect(rowsForPage([], 100)).toBe(0);
  });

  it("sheds whole oldest rows, then the head of the row the bound cuts", () => {
    const rows = [
      { seq: 1, points: 3 },
      { seq: 2, points: 4 },
      { seq: 3, points: 2 },
    ];
    expect(shedPlan(rows, 0)).toEqual({ drop: [] });
    expect(shedPlan(rows, 3)).toEqual({ drop: [1] });
    expect(shedPlan(rows, 5)).toEqual({ drop: [1], trim: { seq: 2, points: 2 } });
    expect(shedPlan(rows, 7)).toEqual({ drop: [1, 2] });
    expect(shedPlan(rows, 1)).toEqual({ drop: [], trim: { seq: 1, points: 1 } });
  });
});
