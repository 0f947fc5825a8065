/**
 * CPI-96 and CPI-var, TDS 2.x §14.5 (coding tables), §14.4.4 (Unpadded
 * Partition Table decoding), §14.3/§14.4 (6-bit Variable String), §6.3 (URI)
 * and §7 (CPI correspondence, GS1 AI 8010 + 8011).
 */
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, splitComponents } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "../errors.js";
import { pow10, readInteger, writeInteger } from "../fields.js";
import { CPI96_PARTITIONS, CPIVAR_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** CPI-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const CPI96_HEADER = 0x3c;

/** CPI-var header byte (TDS 2.x §14.2, Table 14-1). */
export const CPIVAR_HEADER = 0x3d;

/** The CPI-96 serial is a 31-bit integer. */
const SERIAL_BITS = 31;
/** The CPI-var serial is a 40-bit integer of at most 12 digits. */
const VAR_SERIAL_BITS = 40;
const VAR_SERIAL_MAX = 10n ** 12n;

/** The identity fields of a CPI, as they appear in its URIs. */
export interface CpiFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /**
   * Component / part reference, unescaped: CPI-96 digits without leading zeros (at most 15 − prefix
   * digits); CPI-var 1–(30 − prefix digits) characters of `0-9 A-Z # - /`.
   */
  partReference: string;
  /** Serial (GS1 AI 8011), digits without leading zeros: below 2^31 for CPI-96, at most 12 digits for CPI-var. */
  serial: string;
}

/** A decoded CPI-96 (header 0x3C). */
export interface Cpi96 extends CpiFields {
  scheme: "cpi-96";
  /** Filter value, 0–7 (TDS §10: 0 = all others). */
  filter: number;
  /** Partition value, 0–6. */
  partition: number;
  /** The CPI (GS1 AI 8010): company prefix followed by the part reference. */
  cpi: string;
  /** `urn:epc:id:cpi:<companyPrefix>.<partReference>.<serial>`. */
  pureIdentityUri: string;
  /** `urn:epc:tag:cpi-96:<filter>.<companyPrefix>.<partReference>.<serial>`. */
  tagUri: string;
}

/** Decodes the bits after a CPI-96 header. */
export function decodeCpi(reader: BitReader): EpcResult<Cpi96> {
  const fp = readFilterAndPartition(reader, CPI96_PARTITIONS, "CPI-96");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const cp = reader.read(row.companyPrefixBits);
  if (cp >= pow10(row.companyPrefixDigits)) {
    return epcFail(
      EpcErrorCode.Range,
      `company prefix ${cp} has more than the ${row.companyPrefixDigits} digits partition ${row.partition} allows`,
    );
  }
  const ref = reader.read(row.referenceBits);
  // §14.4.4: the part reference is unpadded but still limited to the partition's digit count.
  if (ref >= pow10(row.referenceDigits)) {
    return epcFail(
      EpcErrorCode.Range,
      `part reference ${ref} has more than the ${row.referenceDigits} digits partition ${row.partition} allows`,
    );
  }
  const companyPrefix = cp.toString().padStart(row.companyPrefixDigits, "0");
  const partReference = ref.toString();
  const serial = readInteger(reader, SERIAL_BITS);
  const ids = `${companyPrefix}.${partReference}.${serial}`;
  return epcOk({
    scheme: "cpi-96",
    filter,
    partition: row.partition,
    companyPrefix,
    partReference,
    serial,
    cpi: companyPrefix + partReference,
    pureIdentityUri: `urn:epc:id:cpi:${ids}`,
    tagUri: `urn:epc:tag:cpi-96:${filter}.${ids}`,
  });
}

/** Encodes CPI fields as CPI-96; returns 24 upper-case hex digits. */
export function encodeCpi(filter: number, fields: CpiFields): EpcResult<string> {
  const row = rowForCompanyPrefix(CPI96_PARTITIONS, fields.companyPrefix, "CPI-96");
  if (!row.ok) return row;
  const { partReference } = fields;
  if (!/^(0|[1-9][0-9]*)$/.test(partReference) || partReference.length > row.value.referenceDigits) {
    return epcFail(
      EpcErrorCode.Range,
      `CPI-96 part reference must be at most ${row.value.referenceDigits} digits without leading zeros with a ${row.value.companyPrefixDigits}-digit company prefix, got ${preview(partReference)}`,
    );
  }
  const writer = new BitWriter()
    .write(BigInt(CPI96_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3)
    .write(BigInt(fields.companyPrefix), row.value.companyPrefixBits)
    .write(BigInt(partReference), row.value.referenceBits);
  const serial = writeInteger(writer, fields.serial, SERIAL_BITS, "CPI-96 serial");
  if (!serial.ok) return serial;
  return epcOk(writer.toHex(96));
}

/** Parses `<companyPrefix>.<partReference>.<serial>` from a CPI URI (TDS §6.3). */
export function cpiFieldsFromUri(components: string): EpcResult<CpiFields> {
  const parts = splitComponents(components, 3, false);
  if (!parts.ok) return parts;
  const [cp = "", partReference = "", serial = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  return epcOk({ companyPrefix: companyPrefix.value, partReference, serial });
}

/** A decoded CPI-var (header 0x3D), variable length. */
export interface CpiVar extends CpiFields {
  scheme: "cpi-var";
  /** Filter value, 0–7 (TDS §10: 0 = all others). */
  filter: number;
  /** Partition value, 0–6. */
  partition: number;
  /** The CPI (GS1 AI 8010): company prefix followed by the part reference. */
  cpi: string;
  /** `urn:epc:id:cpi:<companyPrefix>.<partReference>.<serial>` (part reference percent-escaped). */
  pureIdentityUri: string;
  /** `urn:epc:tag:cpi-var:<filter>.<companyPrefix>.<partReference>.<serial>`. */
  tagUri: string;
}

/**
 * TDS Table A-2 (6-bit): each character is the low 6 bits of its ASCII
 * code; 0 ends the string. Codes 0x01–0x1A are A–Z, 0x23 '#', 0x2D '-',
 * 0x2F '/', 0x30–0x39 the digits; all others are not in the CPI set.
 */
function charOf6(code: number): string | undefined {
  if (code >= 0x01 && code <= 0x1a) return String.fromCharCode(code + 0x40);
  if (code === 0x23 || code === 0x2d || code === 0x2f || (code >= 0x30 && code <= 0x39)) {
    return String.fromCharCode(code);
  }
  return undefined;
}

const CPI_CHARS = /^[0-9A-Z#\-/]+$/;

/** Decodes the bits after a CPI-var header; the caller checks the EPC's length against the bits read. */
export function decodeCpiVar(reader: BitReader): EpcResult<CpiVar> {
  const fp = readFilterAndPartition(reader, CPIVAR_PARTITIONS, "CPI-var");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const cp = reader.read(row.companyPrefixBits);
  if (cp >= pow10(row.companyPrefixDigits)) {
    return epcFail(
      EpcErrorCode.Range,
      `company prefix ${cp} has more than the ${row.companyPrefixDigits} digits partition ${row.partition} allows`,
    );
  }
  let partReference = "";
  for (;;) {
    if (reader.remaining < 6)
      return epcFail(EpcErrorCode.Length, "CPI-var part reference runs past the end of the EPC");
    const code = Number(reader.read(6));
    if (code === 0) break;
    const ch = charOf6(code);
    if (ch === undefined) {
      return epcFail(EpcErrorCode.Serial, `CPI-var part reference code 0x${code.toString(16)} is not in TDS Table A-2`);
    }
    partReference += ch;
    if (partReference.length > row.referenceDigits) {
      return epcFail(
        EpcErrorCode.Serial,
        `CPI-var part reference is longer than the ${row.referenceDigits} characters partition ${row.partition} allows`,
      );
    }
  }
  if (partReference === "") return epcFail(EpcErrorCode.Serial, "CPI-var part reference is empty");
  if (reader.remaining < VAR_SERIAL_BITS)
    return epcFail(EpcErrorCode.Length, "CPI-var serial runs past the end of the EPC");
  const serialValue = reader.read(VAR_SERIAL_BITS);
  if (serialValue >= VAR_SERIAL_MAX) {
    return epcFail(EpcErrorCode.Serial, `CPI-var serial ${serialValue} has more than 12 digits`);
  }
  const companyPrefix = cp.toString().padStart(row.companyPrefixDigits, "0");
  const serial = serialValue.toString();
  const ids = `${companyPrefix}.${escapeCpiReference(partReference)}.${serial}`;
  return epcOk({
    scheme: "cpi-var",
    filter,
    partition: row.partition,
    companyPrefix,
    partReference,
    serial,
    cpi: companyPrefix + partReference,
    pureIdentityUri: `urn:epc:id:cpi:${ids}`,
    tagUri: `urn:epc:tag:cpi-var:${filter}.${ids}`,
  });
}

/**
 * Encodes CPI fields as CPI-var: upper-case hex of the bits the fields take,
 * zero-padded to whole 16-bit words (TDS §15.1.1).
 */
export function encodeCpiVar(filter: number, fields: CpiFields): EpcResult<string> {
  const row = rowForCompanyPrefix(CPIVAR_PARTITIONS, fields.companyPrefix, "CPI-var");
  if (!row.ok) return row;
  const { partReference, serial } = fields;
  if (
    partReference.length === 0 ||
    partReference.length > row.value.referenceDigits ||
    !CPI_CHARS.test(partReference)
  ) {
    return epcFail(
      EpcErrorCode.Serial,
      `CPI-var part reference must be 1–${row.value.referenceDigits} characters of 0-9 A-Z # - / with a ${row.value.companyPrefixDigits}-digit company prefix, got ${preview(partReference)}`,
    );
  }
  if (!/^(0|[1-9][0-9]{0,11})$/.test(serial)) {
    return epcFail(
      EpcErrorCode.Serial,
      `CPI-var serial must be 1–12 digits without leading zeros, got ${preview(serial)}`,
    );
  }
  const writer = new BitWriter()
    .write(BigInt(CPIVAR_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3)
    .write(BigInt(fields.companyPrefix), row.value.companyPrefixBits);
  for (let i = 0; i < partReference.length; i++) writer.write(BigInt(partReference.charCodeAt(i) & 0x3f), 6);
  writer.write(0n, 6).write(BigInt(serial), VAR_SERIAL_BITS);
  return epcOk(writer.toHex(Math.ceil(writer.length / 16) * 16));
}

/**
 * TDS §6.3: in a CPI URI `#` and `/` are written %23 and %2F. `#` is not in
 * Table A-1, so the shared GS3A3 escaping does not cover it.
 */
function escapeCpiReference(reference: string): string {
  return reference.replaceAll("#", "%23").replaceAll("/", "%2F");
}

/** Reverses {@link escapeCpiReference}; a literal `#` or `/`, or a malformed escape, is `TALLY_ERR_EPC_URI`. */
function unescapeCpiReference(text: string): EpcResult<string> {
  if (/[#/]/.test(text)) {
    return epcFail(EpcErrorCode.Uri, `part reference must percent-escape "#" and "/", got ${preview(text)}`);
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) {
    return epcFail(EpcErrorCode.Uri, `part reference has a malformed percent-escape: ${preview(text)}`);
  }
  return epcOk(
    text.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
  );
}

/** Parses a CPI-var URI's components, unescaping the part reference. */
export function cpiVarFieldsFromUri(components: string): EpcResult<CpiFields> {
  const parts = splitComponents(components, 3, false);
  if (!parts.ok) return parts;
  const [cp = "", rawReference = "", serial = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  const partReference = unescapeCpiReference(rawReference);
  if (!partReference.ok) return partReference;
  return epcOk({ companyPrefix: companyPrefix.value, partReference: partReference.value, serial });
}
