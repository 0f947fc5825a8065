import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareOpcuaClientPki } from "@tally/edge";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTally } from "./testing/run-tally.js";

const tally = (...args: string[]) => runTally({}, ...args);

describe("tally opcua", () => {
  let dir: string;
  let pki: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tally-opcua-cli-"));
    pki = join(dir, "pki");
    const prepared = await prepareOpcuaClientPki(pki, {
      edgeId: "cli",
      trustOnFirstUse: false,
      logger: pino({ level: "silent" }),
    });
    // A certificate as the edge would have refused it: any certificate will do, so its own.
    await copyFile(prepared.certificateFile, join(pki, "rejected", "server.pem"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists a rejected certificate, trusts it by thumbprint, and refuses a thumbprint it does not have", async () => {
    const listed = await tally("opcua", "certs", "--pki", pki);
    expect(listed.code).toBe(0);
    expect(listed.lines).toEqual([
      {
        status: "rejected",
        thumbprint: expect.stringMatching(/^[0-9a-f]{40}$/),
        subject: expect.stringContaining("CN=tally-edge-cli"),
        notBefore: expect.any(String),
        notAfter: expect.any(String),
        file: join(pki, "rejected", "server.pem"),
      },
    ]);
    const thumbprint = String(listed.lines[0]?.thumbprint);

    const trusted = await tally("opcua", "trust", thumbprint, "--pki", pki);
    expect(trusted.code).toBe(0);
    expect(trusted.lines).toEqual([expect.objectContaining({ event: "trusted", status: "trusted", thumbprint })]);
    expect(await readdir(join(pki, "rejected"))).toEqual([]);
    expect((await tally("opcua", "certs", "--pki", pki)).lines).toEqual([
      expect.objectContaining({ status: "trusted", thumbprint }),
    ]);

    const unknown = await tally("opcua", "trust", "0".repeat(40), "--pki", pki);
    expect(unknown.code).toBe(1);
    expect(unknown.lines).toEqual([
      { error: { code: "TALLY_ERR_OPCUA_CERT_UNKNOWN", message: expect.stringContaining("npx tally opcua certs") } },
    ]);
    // Four CLI processes one after the other: each takes seconds to start on a loaded machine.
  }, 120_000);

  it("refuses a PKI folder that does not exist", async () => {
    const missing = await tally("opcua", "certs", "--pki", join(dir, "nowhere"));
    expect(missing.code).toBe(1);
    expect(missing.lines).toEqual([
      { error: { code: "TALLY_ERR_NOT_FOUND", message: expect.stringContaining("no OPC-UA PKI") } },
    ]);
  });
});
