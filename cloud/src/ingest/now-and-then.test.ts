import { describe, expect, it } from "vitest";
import { nowAndThen } from "./now-and-then.js";

describe("nowAndThen", () => {
  it("reports the first value, then one per interval with how many it left out", () => {
    let at = 0;
    const reported: [string, number][] = [];
    const report = nowAndThen<string>(
      10_000,
      (value, leftOut) => reported.push([value, leftOut]),
      () => at,
    );
    report("a");
    at = 5_000;
    report("b");
    report("c");
    at = 10_000;
    report("d");
    at = 12_000;
    report("e");
    expect(reported).toEqual([
      ["a", 0],
      ["d", 2],
    ]);
  });
});
