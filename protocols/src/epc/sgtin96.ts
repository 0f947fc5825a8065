/**
 * The SGTIN-96 entry points edge and simulators use, kept for compatibility
 * and implemented on the general codec ({@link decodeEpc}, schemes/sgtin.ts).
 */
import { decodeEpc } from "./decode-epc.js";
import { EpcErrorCode, type EpcResult, epcFail } from "./errors.js";
import { partitionByCompanyPrefix, SGTIN_PARTITIONS } from "./partition-tables.js";
import { checkFilter } from "./schemes/common.js";
import { encodeSgtin, SGTIN96_HEADER, type Sgtin96 } from "./schemes/sgtin.js";

export type { EpcError, EpcResult } from "./errors.js";
export { SGTIN96_HEADER, type Sgtin96 } from "./schemes/sgtin.js";

/**
 * Decodes a 24-hex-digit SGTIN-96 EPC (TDS 2.x §14.5.1). Unlike
 * {@link decodeEpc}, any other header is `TALLY_ERR_EPC_HEADER`.
 */
export function decodeSgtin96(hex: string): EpcResult<Sgtin96> {
  if (!/^[0-9A-Fa-f]*$/.test(hex)) return epcFail(EpcErrorCode.NotHex, "EPC must be hexadecimal");
  if (hex.length !== 24) return epcFail(EpcErrorCode.Length, `SGTIN-96 is 24 hex digits, got ${hex.length}`);
  const header = Number.parseInt(hex.slice(0, 2), 16);
  if (header !== SGTIN96_HEADER) {
    return epcFail(EpcErrorCode.Header, `header 0x${hex.slice(0, 2).toUpperCase()} is not SGTIN-96`);
  }
  const decoded = decodeEpc(hex);
  if (!decoded.ok) return decoded;
  return decoded.value.scheme === "sgtin-96"
    ? { ok: true, value: decoded.value }
    : epcFail(EpcErrorCode.Header, `EPC is ${decoded.value.scheme}, not SGTIN-96`);
}

/** The fields an SGTIN-96 is encoded from. */
export interface Sgtin96Fields {
  /** GTIN-14 (its check digit is carried, not verified). */
  gtin: string;
  /** Length of the GS1 company prefix inside the GTIN, 6–12 digits. */
  companyPrefixDigits: number;
  /** Serial: an integer 0 … 2^38−1 (as text: digits without leading zeros). */
  serial: bigint | number | string;
  /** Filter value 0–7 (TDS §10.1); defaults to 1, "point of sale trade item". */
  filter?: number;
}

/** Encodes a GTIN-14, its company prefix length and a numeric serial as SGTIN-96 hex (24 upper-case digits). */
export function encodeSgtin96(fields: Sgtin96Fields): EpcResult<string> {
  const { gtin, companyPrefixDigits } = fields;
  if (!/^\d{14}$/.test(gtin)) return epcFail(EpcErrorCode.Range, "GTIN must be 14 digits");
  if (partitionByCompanyPrefix(SGTIN_PARTITIONS, companyPrefixDigits) === undefined) {
    return epcFail(EpcErrorCode.Partition, `no partition for a ${companyPrefixDigits}-digit company prefix`);
  }
  const filter = checkFilter(fields.filter ?? 1);
  if (!filter.ok) return filter;
  // TDS §7.3.2: the GTIN's indicator digit leads the item reference; its check digit is not encoded.
  return encodeSgtin("sgtin-96", filter.value, {
    companyPrefix: gtin.slice(1, 1 + companyPrefixDigits),
    itemReference: gtin.slice(0, 1) + gtin.slice(1 + companyPrefixDigits, 13),
    serial: String(fields.serial),
  });
}
