import { describe, expect, it } from "vitest";
import { formatPasswordHash, parseDeviceCredentialsText, parsePasswordHash } from "./device-credentials.js";

const HASH = formatPasswordHash({
  N: 16_384,
  r: 8,
  p: 1,
  salt: Buffer.alloc(16, 1),
  key: Buffer.alloc(32, 2),
});

describe("device credentials file", () => {
  it("round-trips a hash string with its parameters", () => {
    expect(HASH).toMatch(/^scrypt\$N=16384,r=8,p=1\$/);
    expect(parsePasswordHash(HASH)).toEqual({
      N: 16_384,
      r: 8,
      p: 1,
      salt: Buffer.alloc(16, 1),
      key: Buffer.alloc(32, 2),
    });
  });

  it.each([
    ["not scrypt", "bcrypt$2b$10$abc"],
    ["N not a power of two", HASH.replace("N=16384", "N=10000")],
    ["N too costly", HASH.replace("N=16384", "N=4194304")],
    ["r out of bounds", HASH.replace("r=8", "r=0")],
  ])("refuses a hash that is %s", (_what, text) => {
    expect(parsePasswordHash(text)).toBeUndefined();
  });

  it("reads YAML and JSON", () => {
    const yaml = parseDeviceCredentialsText(`devices:\n  scanner-1: "${HASH}"\n`);
    expect(yaml).toEqual({ ok: true, value: { devices: { "scanner-1": HASH } } });
    const json = parseDeviceCredentialsText(JSON.stringify({ devices: { "scanner-1": HASH } }));
    expect(json.ok).toBe(true);
    expect(parseDeviceCredentialsText("").ok).toBe(true);
  });

  it("names what is wrong", () => {
    const bad = parseDeviceCredentialsText(JSON.stringify({ devices: { "scanner 1": HASH, "scanner-2": "secret" } }));
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe("TALLY_ERR_DEVICE_CREDENTIALS_INVALID");
    expect(bad.error.reason).toMatch(/scanner-2|scrypt/);
    expect(parseDeviceCredentialsText("devices: [").ok).toBe(false);
  });
});
