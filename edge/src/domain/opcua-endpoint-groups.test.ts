import type { OpcuaShelfSecurity, ShelfDevice } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { groupShelvesBySession } from "./opcua-endpoint-groups.js";

const URL_A = "opc.tcp://10.0.0.5:4840/UA/Shelves";
const URL_B = "opc.tcp://10.0.0.6:4840/UA/Shelves";
const SECURE: OpcuaShelfSecurity = {
  mode: "SignAndEncrypt",
  policy: "Basic256Sha256",
  identity: { type: "userName", userName: "edge", passwordEnv: "SHELF_PASSWORD" },
};

function shelf(id: string, endpointUrl: string, security?: OpcuaShelfSecurity): { shelf: ShelfDevice } {
  return {
    shelf: {
      id,
      kind: "shelf",
      transport: "opcua",
      endpointUrl,
      ...(security !== undefined ? { security } : {}),
      bins: [],
    } as unknown as ShelfDevice,
  };
}

const ids = (groups: { shelf: ShelfDevice }[][]) => groups.map((g) => g.map((m) => m.shelf.id));

describe("groupShelvesBySession", () => {
  it("puts shelves on one endpoint with the same security and identity in one group, in the site file's order", () => {
    const groups = groupShelvesBySession([
      shelf("s1", URL_A, SECURE),
      shelf("s2", URL_B, SECURE),
      shelf("s3", URL_A, { ...SECURE, identity: { ...SECURE.identity } }),
    ]);
    expect(ids(groups)).toEqual([["s1", "s3"], ["s2"]]);
  });

  it("keeps shelves apart when the mode, the policy, the user or the secret's source differ", () => {
    const groups = groupShelvesBySession([
      shelf("base", URL_A, SECURE),
      shelf("sign", URL_A, { ...SECURE, mode: "Sign" }),
      shelf("policy", URL_A, { ...SECURE, policy: "Aes128_Sha256_RsaOaep" }),
      shelf("user", URL_A, {
        ...SECURE,
        identity: { type: "userName", userName: "other", passwordEnv: "SHELF_PASSWORD" },
      }),
      shelf("file", URL_A, { ...SECURE, identity: { type: "userName", userName: "edge", passwordFile: "/run/pw" } }),
      shelf("cert", URL_A, {
        ...SECURE,
        identity: { type: "certificate", certificateFile: "/run/u.pem", privateKeyFile: "/run/u.key" },
      }),
      shelf("none", URL_A),
    ]);
    expect(groups).toHaveLength(7);
  });

  it("treats a shelf without a security block as None/None/anonymous", () => {
    const groups = groupShelvesBySession([
      shelf("a", URL_A),
      shelf("b", URL_A, { mode: "None", policy: "None", identity: { type: "anonymous" } }),
    ]);
    expect(ids(groups)).toEqual([["a", "b"]]);
  });
});
