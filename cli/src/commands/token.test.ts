import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Credentials, createLedgerStore } from "@tally/cloud";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../../bin/tally.js", import.meta.url));

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tally(dataDir: string, ...args: string[]): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  const env = { ...process.env, TALLY_LOG_LEVEL: "warn", TALLY_DATA_DIR: dataDir, TALLY_DATABASE_URL: "" };
  const parse = (stdout: string) =>
    stdout
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  try {
    const { stdout } = await run(process.execPath, [bin, ...args], { env, timeout: 60_000 });
    return { code: 0, lines: parse(stdout) };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: e.code ?? -1, lines: parse(e.stdout ?? "") };
  }
}

describe("tally token", () => {
  it("creates a token the cloud accepts, lists it without its secret, and revokes it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-token-cli-"));
    dirs.push(dataDir);
    const created = await tally(dataDir, "token", "create", "--role", "admin", "--name", "ops");
    expect(created.code).toBe(0);
    const [token] = created.lines;
    expect(token).toMatchObject({ role: "admin", name: "ops", token: expect.stringMatching(/^tly_/) });
    const text = String(token?.token);
    const id = String(token?.id);

    const store = await createLedgerStore({ dataDir });
    try {
      expect(await new Credentials({ store: store.security }).authenticate(text)).toMatchObject({ role: "admin", id });
    } finally {
      await store.close();
    }

    const listed = await tally(dataDir, "token", "list");
    expect(listed.lines).toEqual([expect.objectContaining({ id, name: "ops" })]);
    expect(JSON.stringify(listed.lines)).not.toContain(text.slice(-43));

    expect((await tally(dataDir, "token", "revoke", id)).lines[0]).toMatchObject({ id, revokedAt: expect.any(String) });
    expect((await tally(dataDir, "token", "list")).lines).toEqual([]);
    expect((await tally(dataDir, "token", "list", "--all")).lines).toHaveLength(1);
  });

  it("refuses an edge token without its site and edge, and an unknown role, with status 1", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tally-token-cli-"));
    dirs.push(dataDir);
    const edge = await tally(dataDir, "token", "create", "--role", "edge", "--name", "dock-edge");
    expect(edge.code).toBe(1);
    expect(edge.lines[0]).toMatchObject({ error: { code: "TALLY_ERR_USAGE" } });
    expect((await tally(dataDir, "token", "create", "--role", "root", "--name", "x")).code).toBe(1);
    const ok = await tally(dataDir, "token", "create", "--role", "edge", "--name", "e", "--site", "S1", "--edge", "e1");
    expect(ok.lines[0]).toMatchObject({ role: "edge", sites: ["S1"], edgeId: "e1" });
  });
});
