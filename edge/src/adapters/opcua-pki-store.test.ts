import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareOpcuaClientPki } from "./opcua-client-pki.js";
import { dropRejectedCopiesOfTrusted, listOpcuaCertificates } from "./opcua-pki-store.js";

describe("dropRejectedCopiesOfTrusted", () => {
  let root: string;
  /** A real certificate to file: the PKI's own. */
  let certificate: string;
  let pki: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "tally-pki-store-"));
    pki = join(root, "pki");
    const made = await prepareOpcuaClientPki(pki, {
      edgeId: "edge-pki",
      trustOnFirstUse: false,
      logger: pino({ level: "silent" }),
    });
    certificate = made.certificateFile;
  }, 60_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("removes the copy in rejected/ of a certificate that is also trusted, and keeps the trusted one", async () => {
    await copyFile(certificate, join(pki, "trusted", "certs", "server.pem"));
    await copyFile(certificate, join(pki, "rejected", "server.pem"));

    const removed = await dropRejectedCopiesOfTrusted(pki);

    expect(removed).toEqual([
      expect.objectContaining({ status: "rejected", file: join(pki, "rejected", "server.pem") }),
    ]);
    expect(await readdir(join(pki, "rejected"))).toEqual([]);
    expect((await listOpcuaCertificates(pki)).map((e) => e.status)).toEqual(["trusted"]);
    // Nothing left to do the second time.
    expect(await dropRejectedCopiesOfTrusted(pki)).toEqual([]);
    await rm(join(pki, "trusted", "certs", "server.pem"));
  });

  it("leaves a certificate that is only rejected where it is: trusting it stays the operator's call", async () => {
    await copyFile(certificate, join(pki, "rejected", "server.pem"));

    expect(await dropRejectedCopiesOfTrusted(pki)).toEqual([]);
    expect(await readdir(join(pki, "rejected"))).toEqual(["server.pem"]);
    await rm(join(pki, "rejected", "server.pem"));
  });

  it("does nothing for a PKI folder that does not exist yet", async () => {
    expect(await dropRejectedCopiesOfTrusted(join(root, "none"))).toEqual([]);
  });
});
