import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Duration, parseScenarioFileText, Speed } from "./scenario-file.js";

const builtIn = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../simulators/scenarios/${name}.yaml`, import.meta.url)), "utf8");

describe("scenario file", () => {
  it.each([
    [90, 90_000],
    ["500ms", 500],
    ["90s", 90_000],
    ["10m", 600_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["6.5s", 6500],
  ])("reads the duration %j as %d ms", (text, ms) => {
    expect(Duration.parse(text)).toBe(ms);
  });

  it.each([
    [1, 1],
    [2.5, 2.5],
    ["x4", 4],
    ["×10", 10],
    ["max", "max"],
  ])("reads the speed %j", (text, speed) => {
    expect(Speed.parse(text)).toBe(speed);
  });

  it.each(["fast", 0, -1, "x0"])("refuses the speed %j", (text) => {
    expect(Speed.safeParse(text).success).toBe(false);
  });

  it.each(["demo", "dock-day", "cold-chain", "shrinkage", "outage"])("parses the built-in %s", (name) => {
    const result = parseScenarioFileText(builtIn(name));
    expect(result).toMatchObject({ ok: true, value: { name } });
  });

  it("applies defaults: speed 1, ideal hardware, no flows or faults", () => {
    const result = parseScenarioFileText("name: t\nsite: s.yaml\nseed: 1\nduration: 1m\n");
    expect(result).toEqual({
      ok: true,
      value: {
        name: "t",
        site: "s.yaml",
        seed: 1,
        duration: 60_000,
        speed: 1,
        hardware: {},
        temperature: [],
        steps: [],
        flows: [],
        faults: [],
      },
    });
  });

  it("refuses unknown fields and bad faults with their path", () => {
    const result = parseScenarioFileText(
      "name: t\nsite: s.yaml\nseed: 1\nduration: 1m\nfaults: [{ kind: meteor, at: 1s }]\nextra: 1\n",
    );
    expect(result).toMatchObject({ ok: false, error: { code: "TALLY_ERR_SCENARIO_INVALID" } });
    if (!result.ok) expect(result.error.reason).toMatch(/faults\.0\.kind/);
  });

  it("refuses text that is not YAML", () => {
    expect(parseScenarioFileText("name: [").ok).toBe(false);
  });
});
