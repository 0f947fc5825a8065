/**
 * SGCN-96, TDS 2.x §14.5 (coding table), §14.3/§14.4 (Numeric String
 * method), §6.3 (URI) and §7 (GCN correspondence, GS1 AI 255).
 */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, splitComponents } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "../errors.js";
import { readPartitioned, writePartitioned } from "../fields.js";
import { SGCN_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** SGCN-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const SGCN96_HEADER = 0x3f;

/** The serial component: a Numeric String of up to 12 digits in 41 bits. */
const SERIAL_BITS = 41;
const SERIAL_MAX_DIGITS = 12;

/** The identity fields of an SGCN, as they appear in its URIs. */
export interface SgcnFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Coupon reference; 12 digits together with the company prefix (empty for a 12-digit prefix). */
  couponReference: string;
  /** Serial component: 1–12 digits, leading zeros significant. */
  serial: string;
}

/** A decoded SGCN-96 (header 0x3F). */
export interface Sgcn96 extends SgcnFields {
  scheme: "sgcn-96";
  /** Filter value, 0–7 (TDS §10: 0 = all others). */
  filter: number;
  /** Partition value, 0–6. */
  partition: number;
  /** The GCN (GS1 AI 255): company prefix, coupon reference, computed check digit, serial. */
  gcn: string;
  /** `urn:epc:id:sgcn:<companyPrefix>.<couponReference>.<serial>`. */
  pureIdentityUri: string;
  /** `urn:epc:tag:sgcn-96:<filter>.<companyPrefix>.<couponReference>.<serial>`. */
  tagUri: string;
}

/**
 * Numeric String decoding: the integer's decimal form is "1" followed by the
 * digits, so leading zeros survive; anything else was not written by the encoder.
 */
function readNumericString(reader: BitReader): EpcResult<string> {
  const text = reader.read(SERIAL_BITS).toString();
  if (!text.startsWith("1") || text.length > SERIAL_MAX_DIGITS + 1 || text.length < 2) {
    return epcFail(EpcErrorCode.Serial, `SGCN-96 serial bits ${text} are not "1" followed by 1–12 digits`);
  }
  return epcOk(text.slice(1));
}

/** Decodes the bits after an SGCN-96 header. */
export function decodeSgcn(reader: BitReader): EpcResult<Sgcn96> {
  const fp = readFilterAndPartition(reader, SGCN_PARTITIONS, "SGCN-96");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "coupon reference");
  if (!digits.ok) return digits;
  const { companyPrefix, reference: couponReference } = digits.value;
  const serial = readNumericString(reader);
  if (!serial.ok) return serial;
  const body = companyPrefix + couponReference;
  const ids = `${companyPrefix}.${couponReference}.${serial.value}`;
  return epcOk({
    scheme: "sgcn-96",
    filter,
    partition: row.partition,
    companyPrefix,
    couponReference,
    serial: serial.value,
    gcn: body + String(gs1CheckDigit(body)) + serial.value,
    pureIdentityUri: `urn:epc:id:sgcn:${ids}`,
    tagUri: `urn:epc:tag:sgcn-96:${filter}.${ids}`,
  });
}

/** Encodes SGCN fields as SGCN-96; returns 24 upper-case hex digits. */
export function encodeSgcn(filter: number, fields: SgcnFields): EpcResult<string> {
  const row = rowForCompanyPrefix(SGCN_PARTITIONS, fields.companyPrefix, "SGCN-96");
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(SGCN96_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3);
  const ref = writePartitioned(writer, row.value, fields.companyPrefix, fields.couponReference, "coupon reference");
  if (!ref.ok) return ref;
  if (!/^[0-9]{1,12}$/.test(fields.serial)) {
    return epcFail(EpcErrorCode.Serial, `SGCN-96 serial must be 1–12 digits, got ${preview(fields.serial)}`);
  }
  // Numeric String encoding: prefix "1" so leading zeros are kept.
  writer.write(BigInt(`1${fields.serial}`), SERIAL_BITS);
  return epcOk(writer.toHex(96));
}

/** Parses `<companyPrefix>.<couponReference>.<serial>` from an SGCN URI (TDS §6.3). */
export function sgcnFieldsFromUri(components: string): EpcResult<SgcnFields> {
  const parts = splitComponents(components, 3, false);
  if (!parts.ok) return parts;
  const [cp = "", cr = "", serial = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  const couponReference = digitsComponent(cr, "coupon reference");
  if (!couponReference.ok) return couponReference;
  return epcOk({ companyPrefix: companyPrefix.value, couponReference: couponReference.value, serial });
}
