import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { assertFields, check, hexOf, integerText, RUNS } from "../test-support.js";

/** TDS 2.x Annex E.3, GID-96 row. */
const E3_HEX = "350007AB70425D4000000586";
const E3 = {
  scheme: "gid-96",
  managerNumber: "31415",
  objectClass: "271828",
  serial: "1414",
  pureIdentityUri: "urn:epc:id:gid:31415.271828.1414",
  tagUri: "urn:epc:tag:gid-96:31415.271828.1414",
};

describe("GID-96 (TDS 2.x §14.5)", () => {
  it("decodes the Annex E.3 example", () => {
    expect(decodeEpc(E3_HEX)).toEqual({ ok: true, value: E3 });
  });

  it("encodes the Annex E.3 tag URI and pure identity URI (no filter in either)", () => {
    expect(encodeEpc(E3.tagUri)).toEqual({ ok: true, value: E3_HEX });
    expect(encodeEpc(E3.pureIdentityUri)).toEqual({ ok: true, value: E3_HEX });
  });

  it("fields → tag URI → hex → the same fields (10,000 runs)", () => {
    fc.assert(
      fc.property(integerText(28), integerText(24), integerText(36), (managerNumber, objectClass, serial) => {
        const ids = `${managerNumber}.${objectClass}.${serial}`;
        const hex = encodeEpc(`urn:epc:tag:gid-96:${ids}`);
        check(hex.ok, () => `${ids}: ${JSON.stringify(hex)}`);
        const expected = hexOf(
          [
            [0x35, 8],
            [BigInt(managerNumber), 28],
            [BigInt(objectClass), 24],
            [BigInt(serial), 36],
          ],
          24,
        );
        check(hex.ok && hex.value === expected, () => `${ids}: ${JSON.stringify(hex)} ≠ ${expected}`);
        const decoded = decodeEpc(expected);
        check(decoded.ok, () => `${expected} does not decode`);
        if (decoded.ok) {
          assertFields(decoded.value, {
            scheme: "gid-96",
            managerNumber,
            objectClass,
            serial,
            pureIdentityUri: `urn:epc:id:gid:${ids}`,
            tagUri: `urn:epc:tag:gid-96:${ids}`,
          });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("every 96-bit value after header 0x35 decodes, and encodes back to itself", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 88n) - 1n }), (rest) => {
        const hex = hexOf(
          [
            [0x35, 8],
            [rest, 88],
          ],
          24,
        );
        const decoded = decodeEpc(hex);
        check(decoded.ok && decoded.value.scheme === "gid-96", () => `${hex}: ${JSON.stringify(decoded)}`);
        if (decoded.ok && decoded.value.scheme === "gid-96") {
          expect(encodeEpc(decoded.value.tagUri)).toEqual({ ok: true, value: hex });
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it.each([
    ["manager number ≥ 2^28", "urn:epc:tag:gid-96:268435456.1.1", "TALLY_ERR_EPC_RANGE"],
    ["object class ≥ 2^24", "urn:epc:tag:gid-96:1.16777216.1", "TALLY_ERR_EPC_RANGE"],
    ["serial ≥ 2^36", "urn:epc:tag:gid-96:1.1.68719476736", "TALLY_ERR_EPC_SERIAL"],
    ["a leading zero (TDS §5 NumericComponent)", "urn:epc:id:gid:031415.271828.1414", "TALLY_ERR_EPC_RANGE"],
    ["an alphanumeric serial", "urn:epc:id:gid:31415.271828.14a", "TALLY_ERR_EPC_SERIAL"],
    ["a negative number", "urn:epc:id:gid:-1.271828.1414", "TALLY_ERR_EPC_RANGE"],
    ["four components", "urn:epc:id:gid:31415.271828.1414.1", "TALLY_ERR_EPC_URI"],
    ["two components", "urn:epc:tag:gid-96:31415.271828", "TALLY_ERR_EPC_URI"],
    ["a 10,000-digit serial", `urn:epc:id:gid:1.1.${"9".repeat(10_000)}`, "TALLY_ERR_EPC_SERIAL"],
  ])("refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });

  it("refuses a filter option: GID has none (TDS §10)", () => {
    expect(encodeEpc(E3.tagUri, { filter: 3 })).toMatchObject({ ok: false, error: { code: "TALLY_ERR_EPC_URI" } });
  });

  it.each([
    ["truncated to 88 bits", E3_HEX.slice(0, 22), "TALLY_ERR_EPC_LENGTH"],
    ["extended to 128 bits", `${E3_HEX}00000000`, "TALLY_ERR_EPC_LENGTH"],
  ])("refuses hex %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });
});
