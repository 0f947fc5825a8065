import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseSiteLayoutText } from "./site-file.js";

const demo = readFileSync(fileURLToPath(new URL("../../simulators/scenarios/demo-site.yaml", import.meta.url)), "utf8");
const SHELF_LINE = "    endpointUrl: opc.tcp://127.0.0.1:4840/UA/TallyShelf\n";

/** The demo site with `security` (YAML flow mapping) on its OPC-UA shelf. */
const withSecurity = (security: string) => {
  expect(demo).toContain(SHELF_LINE);
  return parseSiteLayoutText(demo.replace(SHELF_LINE, `${SHELF_LINE}    security: ${security}\n`));
};
const reasonOf = (result: ReturnType<typeof parseSiteLayoutText>): string => {
  expect(result.ok).toBe(false);
  return result.ok ? "" : `${result.error.code}: ${result.error.reason}`;
};

describe("shelf security in the site file", () => {
  it("reads mode, policy and a user name whose password comes from the environment", () => {
    const result = withSecurity(
      "{ mode: SignAndEncrypt, policy: Aes256_Sha256_RsaPss, identity: { type: userName, userName: edge, passwordEnv: SHELF_1_PASSWORD } }",
    );
    expect(result.ok).toBe(true);
    const shelf = result.ok ? result.value.devices.find((d) => d.kind === "shelf") : undefined;
    expect(shelf?.kind === "shelf" ? shelf.security : undefined).toEqual({
      mode: "SignAndEncrypt",
      policy: "Aes256_Sha256_RsaPss",
      identity: { type: "userName", userName: "edge", passwordEnv: "SHELF_1_PASSWORD" },
    });
  });

  it("defaults the identity to anonymous and leaves a shelf without security unsecured", () => {
    const result = withSecurity("{ mode: Sign, policy: Basic256Sha256 }");
    const shelf = result.ok ? result.value.devices.find((d) => d.kind === "shelf") : undefined;
    expect(shelf?.kind === "shelf" ? shelf.security?.identity : undefined).toEqual({ type: "anonymous" });
    const plain = parseSiteLayoutText(demo);
    const plainShelf = plain.ok ? plain.value.devices.find((d) => d.kind === "shelf") : undefined;
    expect(plainShelf?.kind === "shelf" ? plainShelf.security : "no shelf").toBeUndefined();
  });

  it("reads a certificate identity", () => {
    const result = withSecurity(
      "{ mode: SignAndEncrypt, policy: Basic256Sha256, identity: { type: certificate, certificateFile: /etc/tally/user.pem, privateKeyFile: /etc/tally/user.key } }",
    );
    expect(result.ok).toBe(true);
  });

  it("refuses mode None with a policy, and a secure mode without one", () => {
    expect(reasonOf(withSecurity("{ mode: None, policy: Basic256Sha256 }"))).toMatch(
      /TALLY_ERR_SITE_LAYOUT_INVALID: .*security\.policy.*mode None sends in clear, so its policy must be None/,
    );
    expect(reasonOf(withSecurity("{ mode: SignAndEncrypt, policy: None }"))).toMatch(
      /mode SignAndEncrypt needs a policy other than None/,
    );
  });

  it("refuses deprecated and unknown policies and modes", () => {
    expect(reasonOf(withSecurity("{ mode: Sign, policy: Basic256 }"))).toMatch(/security\.policy/);
    expect(reasonOf(withSecurity("{ mode: Sign, policy: Basic128Rsa15 }"))).toMatch(/security\.policy/);
    expect(reasonOf(withSecurity("{ mode: Encrypt, policy: Basic256Sha256 }"))).toMatch(/security\.mode/);
  });

  it("refuses a password written in the site file, and a user name with no password source or two", () => {
    expect(
      reasonOf(
        withSecurity(
          "{ mode: Sign, policy: Basic256Sha256, identity: { type: userName, userName: edge, passwordEnv: P, password: secret } }",
        ),
      ),
    ).toMatch(/never put a password in the site file/);
    expect(
      reasonOf(withSecurity("{ mode: Sign, policy: Basic256Sha256, identity: { type: userName, userName: edge } }")),
    ).toMatch(/exactly one of passwordEnv or passwordFile/);
    expect(
      reasonOf(
        withSecurity(
          "{ mode: Sign, policy: Basic256Sha256, identity: { type: userName, userName: edge, passwordEnv: P, passwordFile: /run/p } }",
        ),
      ),
    ).toMatch(/exactly one of passwordEnv or passwordFile/);
  });

  it("refuses security on an MQTT shelf", () => {
    const mqtt = demo
      .replace("transport: opcua", "transport: mqtt")
      .replace(/\s+bins:\n(\s+- \{[^\n]*\n)+/, (m) => m.replace(/, nodeId: "[^"]*"/g, ""));
    const result = parseSiteLayoutText(
      mqtt.replace(SHELF_LINE, `${SHELF_LINE}    security: { mode: Sign, policy: Basic256Sha256 }\n`),
    );
    expect(reasonOf(result)).toMatch(/security applies to OPC-UA shelves only/);
  });
});
