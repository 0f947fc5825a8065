import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAlertPolicyFile } from "../adapters/alert-policy-file.js";
import { AlertPolicy, AlertPolicyError } from "./alert-policy.js";

const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "policy-")), "alert-policy.json");
  writeFileSync(path, content);
  return path;
};

describe("alert policy", () => {
  it("fills what the document leaves out from the defaults, and lets a site override a kind field by field", () => {
    const policy = new AlertPolicy({
      reopenWindowMinutes: 5,
      kinds: { DEVICE_SILENT: { severity: "major", escalateTo: "shift-lead" } },
      sites: { COLD: { kinds: { DEVICE_SILENT: { escalateAfterMinutes: 2 } }, rules: { edgeSilentMinutes: 1 } } },
    });
    expect(policy.kind("S1", "DEVICE_SILENT")).toEqual({
      severity: "major",
      graceMs: 0,
      escalateAfterMs: 60 * 60_000,
      remindEveryMs: 120 * 60_000,
      escalateTo: "shift-lead",
    });
    expect(policy.kind("COLD", "DEVICE_SILENT")).toMatchObject({ severity: "major", escalateAfterMs: 2 * 60_000 });
    expect(policy.kind("S1", "NEGATIVE_STOCK").graceMs).toBe(60_000);
    expect(policy.kind("S1", "LOW_STOCK")).toMatchObject({ severity: "warning", escalateAfterMs: undefined });
    expect(policy.reopenWindowMs("S1")).toBe(5 * 60_000);
    expect(policy.rules("COLD").edgeSilentMs).toBe(60_000);
    expect(policy.rules("S1").edgeSilentMs).toBe(5 * 60_000);
  });

  it("refuses a file with unknown kinds, bad severities or negative times, naming each problem", () => {
    const path = file(
      JSON.stringify({ kinds: { NOT_A_KIND: {}, DEVICE_SILENT: { severity: "loud", graceSeconds: -1 } } }),
    );
    let error: unknown;
    try {
      readAlertPolicyFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AlertPolicyError);
    const problems = (error as AlertPolicyError).problems.join("\n");
    expect(problems).toMatch(/kinds/);
    expect(problems).toMatch(/severity/);
    expect(problems).toMatch(/graceSeconds/);
    expect((error as AlertPolicyError).code).toBe("TALLY_ERR_CONFIG_ALERT_POLICY");
  });

  it("the documented example file is valid and says what it shows", () => {
    const policy = readAlertPolicyFile(new URL("../../../docs/alert-policy.example.json", import.meta.url).pathname);
    expect(policy.kind("DEMO", "TEMPERATURE_EXCURSION")).toMatchObject({
      escalateAfterMs: 5 * 60_000,
      escalateTo: "shift-lead",
    });
    expect(policy.kind("S1", "NEGATIVE_STOCK").graceMs).toBe(120_000);
  });

  it("refuses a file that is not JSON, and reads a good one", () => {
    expect(() => readAlertPolicyFile(file("kinds: {}"))).toThrow(AlertPolicyError);
    const policy = readAlertPolicyFile(file(JSON.stringify({ groupWindowSeconds: 5 })));
    expect(policy.groupWindowMs()).toBe(5000);
  });
});
