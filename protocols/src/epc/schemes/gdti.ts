/**
 * GDTI-96 and GDTI-174, TDS 2.x §14.5 (coding tables), §6.3 (URI) and §7
 * (GDTI correspondence, GS1 AI 253).
 */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, escapeEpcUriComponent, splitComponents, unescapeEpcUriComponent } from "../epc-uri.js";
import { type EpcResult, epcOk } from "../errors.js";
import { readInteger, readPartitioned, readString7, writeInteger, writePartitioned, writeString7 } from "../fields.js";
import { GDTI_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** GDTI-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const GDTI96_HEADER = 0x2c;
/** GDTI-174 header byte (TDS 2.x §14.2, Table 14-1). */
export const GDTI174_HEADER = 0x3e;

/** The GDTI binary schemes: 96 bits with a numeric serial, 174 bits with an alphanumeric one. */
export type GdtiScheme = "gdti-96" | "gdti-174";

/** Serial widths: 41-bit integer (GDTI-96), 119-bit 7-bit string (GDTI-174, ≤ 17 characters). */
const SERIAL_BITS = { "gdti-96": 41, "gdti-174": 119 } as const;
/** Bits written per scheme: GDTI-174 zero-padded to 11 16-bit words, as in the Gen2 EPC bank (TDS §15.1.1). */
const PADDED_BITS = { "gdti-96": 96, "gdti-174": 176 } as const;

/** The identity fields of a GDTI, as they appear in its URIs (serial unescaped). */
export interface GdtiFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Document type; 12 digits together with the company prefix (empty for a 12-digit prefix). */
  documentType: string;
  /** Serial, unescaped: GDTI-96 digits without leading zeros below 2^41; GDTI-174 1–17 Table A-1 characters. */
  serial: string;
}

interface DecodedGdti extends GdtiFields {
  /** Filter value, 0–7 (TDS §10: 0 = all others). */
  filter: number;
  /** Partition value, 0–6. */
  partition: number;
  /** The GDTI (GS1 AI 253): company prefix, document type, computed check digit, serial. */
  gdti: string;
  /** `urn:epc:id:gdti:<companyPrefix>.<documentType>.<serial>` (serial percent-escaped). */
  pureIdentityUri: string;
  /** `urn:epc:tag:<scheme>:<filter>.<companyPrefix>.<documentType>.<serial>`. */
  tagUri: string;
}

/** A decoded GDTI-96 (header 0x2C). */
export interface Gdti96 extends DecodedGdti {
  scheme: "gdti-96";
}

/** A decoded GDTI-174 (header 0x3E). */
export interface Gdti174 extends DecodedGdti {
  scheme: "gdti-174";
}

/** Decodes the bits after a GDTI header (the reader has consumed the 8 header bits). */
export function decodeGdti(reader: BitReader, scheme: GdtiScheme): EpcResult<Gdti96 | Gdti174> {
  const fp = readFilterAndPartition(reader, GDTI_PARTITIONS, scheme.toUpperCase());
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "document type");
  if (!digits.ok) return digits;
  const { companyPrefix, reference: documentType } = digits.value;
  let serial: string;
  if (scheme === "gdti-96") {
    serial = readInteger(reader, SERIAL_BITS[scheme]);
  } else {
    const text = readString7(reader, SERIAL_BITS[scheme], "GDTI-174 serial");
    if (!text.ok) return text;
    serial = text.value;
  }
  const body = companyPrefix + documentType;
  const ids = `${companyPrefix}.${documentType}.${escapeEpcUriComponent(serial)}`;
  const common = {
    filter,
    partition: row.partition,
    companyPrefix,
    documentType,
    serial,
    gdti: body + String(gs1CheckDigit(body)) + serial,
    pureIdentityUri: `urn:epc:id:gdti:${ids}`,
    tagUri: `urn:epc:tag:${scheme}:${filter}.${ids}`,
  };
  // Two branches so each result carries its literal scheme type.
  return epcOk(scheme === "gdti-96" ? { scheme, ...common } : { scheme, ...common });
}

/**
 * Encodes GDTI fields as GDTI-96 or GDTI-174 and returns upper-case hex: 24
 * digits, or 44 for GDTI-174 (174 bits zero-padded to 11 16-bit words).
 */
export function encodeGdti(scheme: GdtiScheme, filter: number, fields: GdtiFields): EpcResult<string> {
  const row = rowForCompanyPrefix(GDTI_PARTITIONS, fields.companyPrefix, scheme.toUpperCase());
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(scheme === "gdti-96" ? GDTI96_HEADER : GDTI174_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3);
  const ref = writePartitioned(writer, row.value, fields.companyPrefix, fields.documentType, "document type");
  if (!ref.ok) return ref;
  const serial =
    scheme === "gdti-96"
      ? writeInteger(writer, fields.serial, SERIAL_BITS[scheme], "GDTI-96 serial")
      : writeString7(writer, fields.serial, SERIAL_BITS[scheme], "GDTI-174 serial");
  if (!serial.ok) return serial;
  return epcOk(writer.toHex(PADDED_BITS[scheme]));
}

/** Parses `<companyPrefix>.<documentType>.<serial>` from a GDTI URI (TDS §6.3), unescaping the serial. */
export function gdtiFieldsFromUri(components: string): EpcResult<GdtiFields> {
  const parts = splitComponents(components, 3, true);
  if (!parts.ok) return parts;
  const [cp = "", dt = "", rawSerial = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  const documentType = digitsComponent(dt, "document type");
  if (!documentType.ok) return documentType;
  const serial = unescapeEpcUriComponent(rawSerial, "serial");
  if (!serial.ok) return serial;
  return epcOk({ companyPrefix: companyPrefix.value, documentType: documentType.value, serial: serial.value });
}
