/**
 * Field coding methods of TDS 2.x §14.3 (encoding) and §14.4 (decoding):
 * Integer, String (7-bit) and Partition Table. Each checks its input and
 * returns an {@link EpcResult}; none throws.
 */
import type { BitReader, BitWriter } from "./bits.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "./errors.js";
import type { PartitionRow } from "./partition-tables.js";

/** A decimal numeral without leading zeros (TDS §5 NumericComponent). */
const NUMERIC_COMPONENT = /^(0|[1-9][0-9]*)$/;
/** Exactly some digits, leading zeros allowed (TDS §5 PaddedNumericComponent). */
const PADDED_NUMERIC = /^[0-9]*$/;

/** 10^0 … 10^40 as BigInt: a partition's digit counts never exceed that. */
const POW10 = Array.from({ length: 41 }, (_, n) => 10n ** BigInt(n));

/** 10^digits as BigInt. */
export function pow10(digits: number): bigint {
  return POW10[digits] ?? 10n ** BigInt(digits);
}

/** The company prefix and the field after it, as zero-padded digit strings. */
export interface PartitionedDigits {
  companyPrefix: string;
  reference: string;
}

/**
 * TDS §14.4.3 Partition Table decoding: reads the company prefix and the
 * following field; each must fit its digit count (a value ≥ 10^digits fails).
 */
export function readPartitioned(reader: BitReader, row: PartitionRow, what: string): EpcResult<PartitionedDigits> {
  const cp = reader.read(row.companyPrefixBits);
  const ref = reader.read(row.referenceBits);
  if (cp >= pow10(row.companyPrefixDigits)) {
    return epcFail(
      EpcErrorCode.Range,
      `company prefix ${cp} has more than the ${row.companyPrefixDigits} digits partition ${row.partition} allows`,
    );
  }
  if (ref >= pow10(row.referenceDigits)) {
    return epcFail(
      EpcErrorCode.Range,
      `${what} ${ref} has more than the ${row.referenceDigits} digits partition ${row.partition} allows`,
    );
  }
  return epcOk({
    companyPrefix: cp.toString().padStart(row.companyPrefixDigits, "0"),
    reference: row.referenceDigits === 0 ? "" : ref.toString().padStart(row.referenceDigits, "0"),
  });
}

/**
 * TDS §14.3.3 Partition Table encoding: writes the company prefix and the
 * following field; `reference` must have exactly the row's digit count.
 */
export function writePartitioned(
  writer: BitWriter,
  row: PartitionRow,
  companyPrefix: string,
  reference: string,
  what: string,
): EpcResult<BitWriter> {
  if (!PADDED_NUMERIC.test(reference) || reference.length !== row.referenceDigits) {
    return epcFail(
      EpcErrorCode.Range,
      `${what} must be ${row.referenceDigits} digits with a ${row.companyPrefixDigits}-digit company prefix, got ${preview(reference)}`,
    );
  }
  writer.write(BigInt(companyPrefix), row.companyPrefixBits);
  writer.write(reference === "" ? 0n : BigInt(reference), row.referenceBits);
  return epcOk(writer);
}

/** TDS §14.4.1 Integer decoding: the decimal numeral, without leading zeros. */
export function readInteger(reader: BitReader, bits: number): string {
  return reader.read(bits).toString();
}

/**
 * TDS §14.3.1 Integer encoding: `text` must be a numeral without leading
 * zeros and below 2^bits; otherwise a {@link EpcErrorCode.Serial} error naming `what`.
 */
export function writeInteger(writer: BitWriter, text: string, bits: number, what: string): EpcResult<BitWriter> {
  if (!NUMERIC_COMPONENT.test(text)) {
    return epcFail(EpcErrorCode.Serial, `${what} must be a decimal number without leading zeros, got ${preview(text)}`);
  }
  const value = BigInt(text);
  if (value >= 1n << BigInt(bits)) {
    return epcFail(
      EpcErrorCode.Serial,
      `${what} ${preview(text)} does not fit in ${bits} bits (max ${(1n << BigInt(bits)) - 1n})`,
    );
  }
  return epcOk(writer.write(value, bits));
}

/**
 * TDS 2.x Appendix A, Table A-1: the 82 characters of GS1 AI encodable
 * character set 82, allowed in alphanumeric serials. Values are ASCII and
 * are stored as 7-bit codes by the String method.
 */
export function isGs1Char82(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || // 0-9
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x25 && code <= 0x2f) || // % & ' ( ) * + , - . /
    (code >= 0x3a && code <= 0x3f) || // : ; < = > ?
    code === 0x21 || // !
    code === 0x22 || // "
    code === 0x5f // _
  );
}

/**
 * TDS §14.4.2 String decoding: 7-bit characters up to the first all-zero
 * character; everything after it must be zero, and every character must be
 * in Table A-1. An empty string is refused (a serial has at least one character).
 */
export function readString7(reader: BitReader, bits: number, what: string): EpcResult<string> {
  const chars: number[] = [];
  let ended = false;
  for (let i = 0; i < Math.floor(bits / 7); i++) {
    const code = Number(reader.read(7));
    if (ended) {
      if (code !== 0)
        return epcFail(EpcErrorCode.Serial, `${what} has non-zero bits after its terminating zero character`);
    } else if (code === 0) {
      ended = true;
    } else if (!isGs1Char82(code)) {
      return epcFail(
        EpcErrorCode.Serial,
        `${what} character 0x${code.toString(16).padStart(2, "0")} is not in TDS Table A-1`,
      );
    } else {
      chars.push(code);
    }
  }
  const rest = bits % 7;
  if (rest > 0 && reader.read(rest) !== 0n) {
    return epcFail(EpcErrorCode.Serial, `${what} has non-zero padding bits`);
  }
  if (chars.length === 0) return epcFail(EpcErrorCode.Serial, `${what} is empty`);
  return epcOk(String.fromCharCode(...chars));
}

/**
 * TDS §14.3.2 String encoding: each character as 7 bits, zero-padded to
 * `bits`. At most ⌊bits/7⌋ characters, each from Table A-1, at least one.
 */
export function writeString7(writer: BitWriter, text: string, bits: number, what: string): EpcResult<BitWriter> {
  const max = Math.floor(bits / 7);
  if (text.length === 0) return epcFail(EpcErrorCode.Serial, `${what} is empty`);
  if (text.length > max) {
    return epcFail(EpcErrorCode.Serial, `${what} has ${text.length} characters; at most ${max} fit in ${bits} bits`);
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isGs1Char82(code)) {
      return epcFail(
        EpcErrorCode.Serial,
        `${what} character ${JSON.stringify(text.charAt(i))} is not in TDS Table A-1`,
      );
    }
    writer.write(BigInt(code), 7);
  }
  writer.write(0n, bits - 7 * text.length);
  return epcOk(writer);
}
