import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

describe("node-opcua is loaded only when an OPC-UA shelf connects (decision 0189)", () => {
  it("importing the edge loads no node-opcua module; connecting a shelf loads it", async () => {
    // A process of its own: this one has loaded node-opcua through other tests' imports.
    const { stdout } = await run(process.execPath, ["--import", "tsx", join(here, "testing", "opcua-load-probe.ts")], {
      cwd: join(here, ".."),
      timeout: 60_000,
    });
    // node-opcua prints some warnings on stdout: the probe's line is the one that starts with its key.
    const line = stdout.split("\n").find((l) => l.startsWith('{"atImport"')) ?? "{}";
    const counts = JSON.parse(line) as { atImport: number; afterConnect: number };
    expect(counts.atImport).toBe(0);
    expect(counts.afterConnect).toBeGreaterThan(0);
  }, 90_000);
});
