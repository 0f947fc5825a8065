import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserTokenType } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentitySecretError, resolveUserIdentity } from "./opcua-user-identity.js";

describe("resolveUserIdentity", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tally-identity-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("takes the password from the named environment variable, or from a file without its trailing newline", async () => {
    expect(
      await resolveUserIdentity({ type: "userName", userName: "edge", passwordEnv: "P" }, { P: "s3cret" }),
    ).toEqual({ type: UserTokenType.UserName, userName: "edge", password: "s3cret" });
    const file = join(dir, "password");
    await writeFile(file, "from file\n");
    expect(await resolveUserIdentity({ type: "userName", userName: "edge", passwordFile: file }, {})).toEqual({
      type: UserTokenType.UserName,
      userName: "edge",
      password: "from file",
    });
    expect(await resolveUserIdentity({ type: "anonymous" }, {})).toEqual({ type: UserTokenType.Anonymous });
  });

  it("says which secret is missing, as an IdentitySecretError", async () => {
    const unset = resolveUserIdentity({ type: "userName", userName: "edge", passwordEnv: "NOT_SET" }, {});
    await expect(unset).rejects.toBeInstanceOf(IdentitySecretError);
    await expect(unset).rejects.toThrow(/environment variable NOT_SET .* is not set/);
    await expect(
      resolveUserIdentity({ type: "userName", userName: "edge", passwordFile: join(dir, "none") }, {}),
    ).rejects.toThrow(/cannot read the password file .*none: ENOENT/);
    const notCertificate = join(dir, "not.pem");
    await writeFile(notCertificate, "hello");
    await expect(
      resolveUserIdentity({ type: "certificate", certificateFile: notCertificate, privateKeyFile: notCertificate }, {}),
    ).rejects.toThrow(/is not a PEM or DER certificate/);
  });
});
