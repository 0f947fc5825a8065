import { gs1CheckDigit } from "../gs1/check-digit.js";

/** SGTIN-96 header byte (TDS 2.x §14.5.1). */
export const SGTIN96_HEADER = 0x30;

/**
 * TDS 2.x §14.5.1, table 14-2: SGTIN partition values. `cpBits`/`cpDigits`
 * describe the GS1 company prefix; `irBits`/`irDigits` the indicator digit
 * plus item reference.
 */
const SGTIN_PARTITIONS = [
  { cpBits: 40, cpDigits: 12, irBits: 4, irDigits: 1 },
  { cpBits: 37, cpDigits: 11, irBits: 7, irDigits: 2 },
  { cpBits: 34, cpDigits: 10, irBits: 10, irDigits: 3 },
  { cpBits: 30, cpDigits: 9, irBits: 14, irDigits: 4 },
  { cpBits: 27, cpDigits: 8, irBits: 17, irDigits: 5 },
  { cpBits: 24, cpDigits: 7, irBits: 20, irDigits: 6 },
  { cpBits: 20, cpDigits: 6, irBits: 24, irDigits: 7 },
] as const;

const SERIAL_BITS = 38n;
const MAX_SERIAL = (1n << SERIAL_BITS) - 1n;

/** A decoded SGTIN-96. */
export interface Sgtin96 {
  scheme: "sgtin-96";
  filter: number;
  partition: number;
  companyPrefix: string;
  /** Indicator digit followed by the item reference. */
  itemReference: string;
  serial: string;
  gtin: string;
  pureIdentityUri: string;
  tagUri: string;
}

/** Why an SGTIN-96 could not be decoded or encoded. */
export interface EpcError {
  code:
    | "TALLY_ERR_EPC_NOT_HEX"
    | "TALLY_ERR_EPC_LENGTH"
    | "TALLY_ERR_EPC_HEADER"
    | "TALLY_ERR_EPC_PARTITION"
    | "TALLY_ERR_EPC_RANGE"
    | "TALLY_ERR_EPC_SERIAL";
  message: string;
}

export type EpcResult<T> = { ok: true; value: T } | { ok: false; error: EpcError };

const fail = (code: EpcError["code"], message: string): EpcResult<never> => ({
  ok: false,
  error: { code, message },
});

/** Decodes a 24-hex-digit SGTIN-96 EPC. */
export function decodeSgtin96(hex: string): EpcResult<Sgtin96> {
  if (!/^[0-9A-Fa-f]*$/.test(hex)) return fail("TALLY_ERR_EPC_NOT_HEX", "EPC must be hexadecimal");
  if (hex.length !== 24) return fail("TALLY_ERR_EPC_LENGTH", `SGTIN-96 is 24 hex digits, got ${hex.length}`);
  const bits = BigInt(`0x${hex}`);
  const header = Number(bits >> 88n);
  if (header !== SGTIN96_HEADER) {
    return fail("TALLY_ERR_EPC_HEADER", `header 0x${header.toString(16).padStart(2, "0")} is not SGTIN-96`);
  }
  const filter = Number((bits >> 85n) & 0b111n);
  const partition = Number((bits >> 82n) & 0b111n);
  const p = SGTIN_PARTITIONS[partition];
  if (p === undefined) return fail("TALLY_ERR_EPC_PARTITION", `partition ${partition} is not defined for SGTIN`);
  const cp = (bits >> BigInt(38 + p.irBits)) & ((1n << BigInt(p.cpBits)) - 1n);
  const ir = (bits >> 38n) & ((1n << BigInt(p.irBits)) - 1n);
  const serial = bits & MAX_SERIAL;
  const companyPrefix = cp.toString().padStart(p.cpDigits, "0");
  const itemReference = ir.toString().padStart(p.irDigits, "0");
  if (companyPrefix.length !== p.cpDigits || itemReference.length !== p.irDigits) {
    return fail("TALLY_ERR_EPC_RANGE", "company prefix or item reference exceeds its digits");
  }
  const body = itemReference.slice(0, 1) + companyPrefix + itemReference.slice(1);
  const gtin = body + String(gs1CheckDigit(body));
  const serialText = serial.toString();
  return {
    ok: true,
    value: {
      scheme: "sgtin-96",
      filter,
      partition,
      companyPrefix,
      itemReference,
      serial: serialText,
      gtin,
      pureIdentityUri: `urn:epc:id:sgtin:${companyPrefix}.${itemReference}.${serialText}`,
      tagUri: `urn:epc:tag:sgtin-96:${filter}.${companyPrefix}.${itemReference}.${serialText}`,
    },
  };
}

/** The fields an SGTIN-96 is encoded from. */
export interface Sgtin96Fields {
  gtin: string;
  companyPrefixDigits: number;
  serial: bigint | number | string;
  filter?: number;
}

/** Encodes a GTIN-14, its company prefix length and a numeric serial as SGTIN-96 hex (upper case). */
export function encodeSgtin96(fields: Sgtin96Fields): EpcResult<string> {
  const { gtin, companyPrefixDigits } = fields;
  const filter = fields.filter ?? 1;
  if (!/^\d{14}$/.test(gtin)) return fail("TALLY_ERR_EPC_RANGE", "GTIN must be 14 digits");
  const partition = SGTIN_PARTITIONS.findIndex((p) => p.cpDigits === companyPrefixDigits);
  const p = SGTIN_PARTITIONS[partition];
  if (p === undefined)
    return fail("TALLY_ERR_EPC_PARTITION", `no partition for a ${companyPrefixDigits}-digit company prefix`);
  if (!Number.isInteger(filter) || filter < 0 || filter > 7) return fail("TALLY_ERR_EPC_RANGE", "filter must be 0–7");
  const serialText = String(fields.serial);
  // TDS §14.5.1: SGTIN-96 serials are numeric, without leading zeros, below 2^38.
  if (!/^(0|[1-9]\d*)$/.test(serialText))
    return fail("TALLY_ERR_EPC_SERIAL", "SGTIN-96 serial must be a number without leading zeros");
  const serial = BigInt(serialText);
  if (serial > MAX_SERIAL) return fail("TALLY_ERR_EPC_SERIAL", "SGTIN-96 serial must be below 2^38");
  const companyPrefix = BigInt(gtin.slice(1, 1 + p.cpDigits));
  const itemReference = BigInt(gtin.slice(0, 1) + gtin.slice(1 + p.cpDigits, 13));
  const bits =
    (BigInt(SGTIN96_HEADER) << 88n) |
    (BigInt(filter) << 85n) |
    (BigInt(partition) << 82n) |
    (companyPrefix << BigInt(38 + p.irBits)) |
    (itemReference << 38n) |
    serial;
  return { ok: true, value: bits.toString(16).toUpperCase().padStart(24, "0") };
}
