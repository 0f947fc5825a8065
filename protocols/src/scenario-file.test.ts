import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Duration, parseScenarioFileText, SignedDuration, Speed } from "./scenario-file.js";

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

  it.each([
    ["+4s", 4000],
    ["-3s", -3000],
    ["-1500ms", -1500],
    ["2s", 2000],
    [-1.5, -1500],
  ])("reads the signed duration %j as %d ms", (text, ms) => {
    expect(SignedDuration.parse(text)).toBe(ms);
  });

  it("reads lingering, staging-lane and aborted-pass faults, stray bursts and reader quirks, and refuses bad ones", () => {
    const head = "name: t\nsite: s.yaml\nseed: 1\nduration: 5m\n";
    const good = parseScenarioFileText(`${head}hardware:
  portals:
    parked: { readEvery: 2s, missProbability: 0.3 }
    strayBurst: { reads: { min: 2, max: 6 }, weakerDb: { min: 3, max: 8 } }
    readers: { p1: { heartbeats: false, clockOffset: -3s, lateBursts: { every: 45s, hold: 6s } } }
faults:
  - { kind: parked-tags, at: 0, duration: 1m, device: p1, sku: A, count: 2, position: outside, readEvery: 500ms }
  - { kind: staging-lane, at: 0, duration: 3m, device: p1, skus: [A], pallets: 3, itemsPerPallet: { min: 1, max: 2 }, dwell: { min: 20s, max: 1m } }
  - { kind: aborted-pass, at: 10s, device: p1, sku: A, count: 3, crossesAfter: 30s }
`);
    expect(good).toMatchObject({
      ok: true,
      value: {
        hardware: { portals: { readers: { p1: { heartbeats: false, clockOffset: -3000 } } } },
        faults: [
          { kind: "parked-tags", position: "outside", readEvery: 500 },
          { kind: "staging-lane", dwell: { min: 20_000, max: 60_000 } },
          { kind: "aborted-pass", closestM: 0.5, crossesAfter: 30_000 },
        ],
      },
    });
    for (const bad of [
      "faults: [{ kind: parked-tags, at: 0, duration: 1m, device: p1, sku: A, count: 2, position: roof }]",
      "faults: [{ kind: parked-tags, at: 0, duration: 1m, device: p1, sku: A, count: 2, readEvery: 10ms }]",
      "faults: [{ kind: staging-lane, at: 0, duration: 1m, device: p1, skus: [A], pallets: 1, itemsPerPallet: { min: 1, max: 1 }, dwell: { min: 20s, max: 2m } }]",
      "hardware: { portals: { readers: { p1: { lateBursts: { every: 5s, hold: 5s } } } } }",
      "hardware: { portals: { readers: { p1: { clockOffset: soon } } } }",
    ]) {
      expect(parseScenarioFileText(`${head}${bad}`).ok, bad).toBe(false);
    }
  });

  it.each(["demo", "dock-day", "cold-chain", "shrinkage", "outage", "hard-dock"])("parses the built-in %s", (name) => {
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

  it("reads temperature spikes, slow warmings and scans with a lot; refuses a lot longer than GS1 AI 10 allows", () => {
    const text = [
      "name: t",
      "site: s.yaml",
      "seed: 1",
      "duration: 10m",
      "steps:",
      "  - { kind: scan, at: 1m, device: sc, sku: PEAS, qty: 2, action: RECEIPT, lot: P1 }",
      "faults:",
      "  - { kind: temperature-spike, at: 2m, duration: 40s, device: t1, peakC: 12 }",
      "  - { kind: slow-warming, at: 3m, duration: 5m, device: t1, toC: 10 }",
    ].join("\n");
    const result = parseScenarioFileText(text);
    if (!result.ok) throw new Error(result.error.reason);
    expect(result.value.steps[0]).toMatchObject({ kind: "scan", lot: "P1" });
    expect(result.value.faults).toEqual([
      { kind: "temperature-spike", at: 120_000, duration: 40_000, device: "t1", peakC: 12 },
      { kind: "slow-warming", at: 180_000, duration: 300_000, device: "t1", toC: 10 },
    ]);
    const long = parseScenarioFileText(text.replace("lot: P1", `lot: ${"L".repeat(21)}`));
    expect(long).toMatchObject({ ok: false, error: { code: "TALLY_ERR_SCENARIO_INVALID" } });
    if (!long.ok) expect(long.error.reason).toMatch(/steps\.0\.lot/);
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
