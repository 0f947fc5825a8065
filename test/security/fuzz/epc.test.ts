import { decodeEpc, type EpcBinaryScheme, encodeEpc, unescapeEpcUriComponent } from "@tally/protocols";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostileEpcHex, hostileEpcUri, validEpc } from "./arbitraries/codes.js";
import { hostileNumber, hostileString } from "./arbitraries/hostile-json.js";
import { fuzz, withinBudget } from "./support/fuzz-runs.js";
import { expectResult } from "./support/refusals.js";

const SUITE = "epc";

describe("fuzz: the EPC codec", () => {
  it("decodes every valid EPC and encodes its tag URI back to the same hex", () => {
    fuzz(
      SUITE,
      fc.property(validEpc, fc.boolean(), ({ hex }, lower) => {
        const decoded = decodeEpc(lower ? hex.toLowerCase() : hex);
        expect(decoded.ok).toBe(true);
        if (decoded.ok && "tagUri" in decoded.value)
          expect(encodeEpc(decoded.value.tagUri)).toEqual({ ok: true, value: hex });
      }),
      2_000,
    );
  });

  it("decodeEpc judges random and mutated hex and any text with a code, never a throw", () => {
    fuzz(
      SUITE,
      fc.property(hostileEpcHex, (hex) => {
        expectResult(
          "decodeEpc",
          withinBudget("decodeEpc", () => decodeEpc(hex)),
        );
      }),
      5_000,
    );
  });

  it("decodeEpc refuses megabyte inputs quickly", () => {
    fuzz(
      SUITE,
      fc.property(fc.constantFrom("0", "G", "\ud800"), fc.integer({ min: 1_000, max: 1_000_000 }), (c, n) => {
        const result = withinBudget("decodeEpc", () => decodeEpc(c.repeat(n)));
        expect(result.ok).toBe(false);
        expectResult("decodeEpc", result);
      }),
      200,
    );
  });

  it("encodeEpc judges mutated and hostile URIs and options with a code, never a throw", () => {
    const options = fc.record(
      {
        scheme: fc.oneof(
          fc.constantFrom("sgtin-96", "sgtin-198", "sscc-96", "sgln-96", "grai-96", "giai-96"),
          hostileString,
        ),
        filter: fc.oneof(fc.integer({ min: 0, max: 7 }), hostileNumber),
      },
      { requiredKeys: [] },
    );
    fuzz(
      SUITE,
      fc.property(hostileEpcUri, options, (uri, opts) => {
        // Options come from TypeScript callers; the codec still checks them at run time.
        const result = withinBudget("encodeEpc", () =>
          encodeEpc(uri, opts as { scheme?: EpcBinaryScheme; filter?: number }),
        );
        expectResult("encodeEpc", result);
      }),
      6_000,
    );
  });

  it("unescapeEpcUriComponent judges any text with a code", () => {
    fuzz(
      SUITE,
      fc.property(
        fc.oneof(hostileString, fc.string({ unit: fc.constantFrom(..."%0Af2F_z"), maxLength: 30 })),
        (text) => {
          expectResult(
            "unescape",
            withinBudget("unescape", () => unescapeEpcUriComponent(text, "serial")),
          );
        },
      ),
      800,
    );
  });
});
