/**
 * fast-check arbitraries for the EPC codec's tests (test-only; not exported
 * from protocols). Hex arbitraries build bits independently of bits.ts.
 */
import fc from "fast-check";
import { type DecodedEpc, decodeEpc } from "./decode-epc.js";
import { encodeEpc } from "./encode-epc.js";
import type { EpcBinaryScheme } from "./headers.js";
import type { PartitionRow } from "./partition-tables.js";

/** Property runs per scheme and direction (the brief: 10,000). */
export const RUNS = 10_000;

/** TDS 2.x Appendix A, Table A-1: the 82 characters allowed in alphanumeric serials. */
export const TABLE_A1 = [..."!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"];

/** A string of exactly `length` decimal digits (leading zeros included). */
export const digits = (length: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: length, maxLength: length });

/** A numeral without leading zeros for an unsigned integer below 2^bits. */
export const integerText = (bits: number): fc.Arbitrary<string> =>
  fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }).map(String);

/** A company prefix (6–12 digits) with its partition row from `rows`. */
export const companyPrefixIn = (
  rows: readonly PartitionRow[],
): fc.Arbitrary<{ companyPrefix: string; row: PartitionRow }> =>
  fc
    .tuple(fc.constantFrom(...rows), digits(12))
    .map(([row, d]) => ({ companyPrefix: d.slice(0, row.companyPrefixDigits), row }));

/** One binary field: its width and how to draw its value. */
export interface BitField {
  bits: number;
  value: fc.Arbitrary<bigint>;
}

/** Any value of `bits` bits. */
export const anyBits = (bits: number): BitField => ({
  bits,
  value: fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }),
});

/** Mostly below `limit` (so decoding usually succeeds), sometimes any value of `bits` bits. */
export const mostlyBelow = (bits: number, limit: bigint): BitField => ({
  bits,
  value: fc.oneof(
    { weight: 9, arbitrary: fc.bigInt({ min: 0n, max: limit - 1n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }) },
  ),
});

/** Mostly zero (reserved or padding bits), sometimes any value. */
export const mostlyZero = (bits: number): BitField => ({
  bits,
  value: fc.oneof({ weight: 9, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: anyBits(bits).value }),
});

/**
 * A 7-bit string field (TDS §14.3.2): mostly Table A-1 characters, then
 * zeros; sometimes a character outside the table or stray bits after the end.
 */
export const string7Field = (bits: number): BitField => {
  const chars = Math.floor(bits / 7);
  const code = fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...TABLE_A1.map((c) => c.charCodeAt(0))) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 127 }) },
  );
  return {
    bits,
    value: fc
      .tuple(fc.array(code, { minLength: 0, maxLength: chars }), mostlyZero(bits).value)
      .map(([codes, noise]) => {
        let v = 0n;
        for (const c of codes) v = (v << 7n) | BigInt(c);
        v <<= BigInt(bits - 7 * codes.length);
        // Noise only below the last character, so it shows up as trailing garbage.
        return v | (noise & ((1n << BigInt(bits - 7 * codes.length)) - 1n));
      }),
  };
};

/**
 * Hex EPCs for one scheme: the header, a filter, a partition (sometimes the
 * undefined 7) and the partition-dependent fields, padded to `hexDigits`.
 */
export function epcHex(
  header: number,
  hexDigits: number,
  rows: readonly PartitionRow[],
  fieldsFor: (row: PartitionRow) => BitField[],
): fc.Arbitrary<string> {
  const partition = fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: 0, max: 6 }) },
    { weight: 1, arbitrary: fc.constant(7) },
  );
  return fc.tuple(fc.integer({ min: 0, max: 7 }), partition).chain(([filter, p]) => {
    const row = rows[Math.min(p, 6)];
    const fields = row === undefined ? [] : fieldsFor(row);
    return fc.tuple(...fields.map((f) => f.value)).map((values) => {
      let v = (BigInt(header) << 6n) | (BigInt(filter) << 3n) | BigInt(p);
      let bits = 14;
      fields.forEach((f, i) => {
        v = (v << BigInt(f.bits)) | (values[i] ?? 0n);
        bits += f.bits;
      });
      v <<= BigInt(hexDigits * 4 - bits);
      return v.toString(16).toUpperCase().padStart(hexDigits, "0");
    });
  });
}

/** Upper-case hex of `[value, bits]` fields laid out MSB first, zero-padded to `hexDigits`. */
export function hexOf(fields: readonly (readonly [bigint | number, number])[], hexDigits: number): string {
  let v = 0n;
  let bits = 0;
  for (const [value, width] of fields) {
    v = (v << BigInt(width)) | BigInt(value);
    bits += width;
  }
  return (v << BigInt(hexDigits * 4 - bits)).toString(16).toUpperCase().padStart(hexDigits, "0");
}

/** Every error code the codec may return. */
export const ALL_CODES: readonly string[] = [
  "TALLY_ERR_EPC_NOT_HEX",
  "TALLY_ERR_EPC_LENGTH",
  "TALLY_ERR_EPC_HEADER",
  "TALLY_ERR_EPC_PARTITION",
  "TALLY_ERR_EPC_RANGE",
  "TALLY_ERR_EPC_SERIAL",
  "TALLY_ERR_EPC_URI",
];

/** The URI that carries everything needed to re-encode: the tag URI, or the raw URI for raw EPCs. */
export const tagUriOf = (epc: DecodedEpc): string => (epc.scheme === "raw" ? epc.pureIdentityUri : epc.tagUri);

/**
 * Throws (with both sides) unless `actual` has exactly the keys of
 * `expected` with `===` values. Much cheaper than `expect().toEqual` in a
 * 10,000-run property.
 */
export function assertFields(actual: object, expected: Readonly<Record<string, unknown>>): void {
  const entries = Object.entries(actual);
  const same = entries.length === Object.keys(expected).length && entries.every(([k, v]) => expected[k] === v);
  if (!same)
    throw new Error(`fields differ:\n  actual   ${JSON.stringify(actual)}\n  expected ${JSON.stringify(expected)}`);
}

/** Throws unless `condition` holds (cheap assertion for hot property loops). */
export function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

/**
 * The hex direction of a round trip: every generated hex that decodes (to
 * `scheme`, when given) encodes back from its tag URI to the same hex, and
 * every one that does not is refused with one of `allowed`. Returns how many
 * decoded, so a test can check the generator mostly makes valid EPCs.
 */
export function hexRoundTrip(hexes: fc.Arbitrary<string>, allowed: readonly string[], scheme?: string): number {
  let decodedCount = 0;
  fc.assert(
    fc.property(hexes, (hex) => {
      const decoded = decodeEpc(hex);
      if (!decoded.ok) {
        check(allowed.includes(decoded.error.code), () => `${hex}: unexpected ${decoded.error.code}`);
        return;
      }
      decodedCount++;
      const again = encodeEpc(tagUriOf(decoded.value));
      check(
        (scheme === undefined || decoded.value.scheme === scheme) && again.ok && again.value === hex,
        () => `${hex} → ${JSON.stringify(again)}`,
      );
    }),
    { numRuns: RUNS },
  );
  return decodedCount;
}

/**
 * Encodes `urn:epc:tag:{scheme}:{filter}.{ids}`, checks that the pure identity
 * URI with the same scheme and filter gives the same bits (TDS §15.1.1), and
 * decodes the hex back. Throws with the URI on any failure.
 */
export function encodeBothWays(
  scheme: EpcBinaryScheme,
  filter: number,
  ids: string,
): { tagUri: string; hex: string; decoded: DecodedEpc } {
  const tagUri = `urn:epc:tag:${scheme}:${filter}.${ids}`;
  const hex = encodeEpc(tagUri);
  if (!hex.ok) throw new Error(`${tagUri}: ${hex.error.message}`);
  const pureUri = `urn:epc:id:${scheme.replace(/-(\d+|var)$/, "")}:${ids}`;
  const fromPure = encodeEpc(pureUri, { scheme, filter });
  check(fromPure.ok && fromPure.value === hex.value, () => `pure URI gave ${JSON.stringify(fromPure)}`);
  const decoded = decodeEpc(hex.value);
  if (!decoded.ok) throw new Error(`${hex.value}: ${decoded.error.message}`);
  return { tagUri, hex: hex.value, decoded: decoded.value };
}
