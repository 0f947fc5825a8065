import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseSiteLayoutText } from "./site-file.js";
import { zoneTemperatureRange } from "./site-layout.js";

const demo = readFileSync(fileURLToPath(new URL("../../simulators/scenarios/demo-site.yaml", import.meta.url)), "utf8");

describe("parseSiteLayoutText", () => {
  it("parses the demo site with defaults applied", () => {
    const result = parseSiteLayoutText(demo);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const site = result.value;
    expect(site.siteId).toBe("DEMO");
    const cold = site.zones.find((z) => z.id === "COLD");
    expect(cold && zoneTemperatureRange(cold)).toEqual({ minC: 2, maxC: 8 });
    const portal = site.devices.find((d) => d.kind === "rfid-portal");
    expect(portal).toMatchObject({ antennas: { outer: [1], inner: [2] } });
    // No format in the file: the edge detects each payload's dialect.
    expect(portal?.kind === "rfid-portal" ? portal.format : "not a portal").toBeUndefined();
  });

  it("reads heartbeat: false on a device, leaves it out when absent (heartbeats), and refuses a non-boolean", () => {
    const declared = parseSiteLayoutText(
      demo.replace("direction: inbound\n", "direction: inbound\n    heartbeat: false\n"),
    );
    expect(declared.ok && declared.value.devices.find((d) => d.id === "portal-d1")).toMatchObject({ heartbeat: false });
    const plain = parseSiteLayoutText(demo);
    expect(plain.ok && plain.value.devices.every((d) => d.heartbeat === undefined)).toBe(true);
    expect(
      parseSiteLayoutText(demo.replace("direction: inbound\n", "direction: inbound\n    heartbeat: no-thanks\n")).ok,
    ).toBe(false);
  });

  it("refuses dangling references with their path", () => {
    const bad = demo.replace("{ code: DEMO/PICK/A2, zone: PICK }", "{ code: DEMO/PICK/A2, zone: NOPE }");
    const result = parseSiteLayoutText(bad);
    expect(result).toMatchObject({ ok: false, error: { code: "TALLY_ERR_SITE_LAYOUT_INVALID" } });
    if (!result.ok) expect(result.error.reason).toContain("unknown zone NOPE");
  });

  it.each(["", "siteId: [", "- a\n- b", "siteId: DEMO", "&a [*a, *a]"])("refuses %j", (text) => {
    expect(parseSiteLayoutText(text).ok).toBe(false);
  });

  it("refuses deeply nested files, however many, without reaching the YAML composer", () => {
    // Found while calibrating the fuzz suite: deep YAML overflowed the composer's stack, and when such documents
    // were the first YAML a process read, the second aborted Node ("RegExpCompiler Allocation failed").
    for (const text of [
      `${"- ".repeat(20_000)}x`,
      `${"- ".repeat(2_000)}x`,
      `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
    ]) {
      expect(parseSiteLayoutText(text)).toEqual({
        ok: false,
        error: { code: "TALLY_ERR_SITE_LAYOUT_INVALID", reason: "site file nests deeper than 64 levels" },
      });
    }
  });

  it("reads a shelf's settings and its bins' tare, capacity and tolerance; refuses bad ones with their path", () => {
    const withSettings = (shelf: string, bin: string) =>
      demo
        .replace("    transport: opcua\n", `    transport: opcua\n${shelf}`)
        .replace(
          'nodeId: "ns=1;s=shelf-1/DEMO/PICK/A1/weight" }',
          `nodeId: "ns=1;s=shelf-1/DEMO/PICK/A1/weight"${bin} }`,
        );
    const good = parseSiteLayoutText(
      withSettings(
        "    settleMs: 500\n    replenishFrom: DEMO/DOCK/D1\n    mismatchGraceS: 120\n    stuckAfterS: 900\n",
        ", tareG: 1200, capacityG: 15000, toleranceG: 12",
      ),
    );
    expect(good.ok && good.value.devices.find((d) => d.id === "shelf-1")).toMatchObject({
      settleMs: 500,
      replenishFrom: "DEMO/DOCK/D1",
      mismatchGraceS: 120,
      stuckAfterS: 900,
      bins: [{ location: "DEMO/PICK/A1", tareG: 1200, capacityG: 15000, toleranceG: 12 }, { location: "DEMO/PICK/A2" }],
    });
    const unknown = parseSiteLayoutText(withSettings("    replenishFrom: DEMO/PICK/NOPE\n", ""));
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.reason).toContain("unknown location DEMO/PICK/NOPE");
    for (const [shelf, bin] of [
      ["    settleMs: -1\n", ""],
      ["    settleMs: 1e9\n", ""],
      ["    mismatchGraceS: .nan\n", ""],
      ["", ", capacityG: 0"],
      ["", ", capacityG: 1e12"],
      ["", ", tareG: .inf"],
      ["", ", toleranceG: -1"],
    ] as const) {
      expect(parseSiteLayoutText(withSettings(shelf, bin)).ok, `${shelf}${bin}`).toBe(false);
    }
  });

  it("refuses an OPC-UA shelf without node ids", () => {
    const bad = demo.replace(', nodeId: "ns=1;s=shelf-1/DEMO/PICK/A2/weight"', "");
    const result = parseSiteLayoutText(bad);
    expect(result.ok).toBe(false);
  });
});
