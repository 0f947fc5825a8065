import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../bin/tally.js", import.meta.url));

async function tally(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, TALLY_LOG_LEVEL: "warn" },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("tally CLI", () => {
  it("lists its commands", async () => {
    const { code, stdout } = await tally("--help");
    expect(code).toBe(0);
    for (const command of ["up", "edge", "cloud", "sim"]) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
  });

  it("refuses an unknown scenario with a JSON error on stdout and status 1", async () => {
    const { code, stdout } = await tally("sim", "run", "no-such-scenario");
    expect(code).toBe(1);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      error: {
        code: "TALLY_ERR_SCENARIO_INVALID",
        message: expect.stringContaining("unknown scenario 'no-such-scenario'"),
      },
    });
  });

  it("refuses an invalid site file with the site layout code", async () => {
    const { code, stdout } = await tally("edge", "--site", fileURLToPath(new URL("../package.json", import.meta.url)));
    expect(code).toBe(1);
    expect(JSON.parse(stdout.trim())).toMatchObject({ error: { code: "TALLY_ERR_SITE_LAYOUT_INVALID" } });
  });

  it("exits 1 on an unknown command", async () => {
    const { code, stderr } = await tally("frobnicate");
    expect(code).toBe(1);
    expect(stderr).toContain("unknown command");
  });
});
