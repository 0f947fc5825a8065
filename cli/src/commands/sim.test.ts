import { BUILT_IN_SCENARIOS } from "@tally/simulators";
import { describe, expect, it } from "vitest";
import { SCENARIO_NAMES } from "./sim.js";

describe("sim command", () => {
  it("names in its help text exactly the simulators' built-in scenarios", () => {
    expect([...SCENARIO_NAMES]).toEqual([...BUILT_IN_SCENARIOS]);
  });
});
