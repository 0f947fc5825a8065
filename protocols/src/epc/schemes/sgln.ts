/** SGLN-96 and SGLN-195, TDS 2.x §14.5.3 (coding tables), §6.3.3 (URI) and §7.5 (GLN correspondence). */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, escapeEpcUriComponent, splitComponents, unescapeEpcUriComponent } from "../epc-uri.js";
import { type EpcResult, epcOk } from "../errors.js";
import { readInteger, readPartitioned, readString7, writeInteger, writePartitioned, writeString7 } from "../fields.js";
import { SGLN_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** SGLN-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const SGLN96_HEADER = 0x32;

/** SGLN-195 header byte (TDS 2.x §14.2, Table 14-1). */
export const SGLN195_HEADER = 0x39;

/** The SGLN binary schemes: 96 bits with a numeric extension, 195 bits with an alphanumeric one. */
export type SglnScheme = "sgln-96" | "sgln-195";

/** TDS §14.5.3: extension widths: 41-bit integer (SGLN-96), 140-bit 7-bit string (SGLN-195, ≤ 20 characters). */
const EXTENSION_BITS = { "sgln-96": 41, "sgln-195": 140 } as const;
/** Bits written per scheme: SGLN-195 zero-padded to 13 16-bit words, as in the Gen2 EPC bank (TDS §15.1.1). */
const PADDED_BITS = { "sgln-96": 96, "sgln-195": 208 } as const;

/** The identity fields of an SGLN, as they appear in its URIs. */
export interface SglnFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Location reference; 12 digits together with the company prefix (empty for a 12-digit prefix). */
  locationReference: string;
  /**
   * GLN extension (GS1 AI 254), unescaped; "0" means none (TDS §6.3.3). SGLN-96: digits without
   * leading zeros below 2^41; SGLN-195: 1–20 Table A-1 characters.
   */
  extension: string;
}

interface DecodedSgln extends SglnFields {
  /** Filter value, 0–7 (TDS §10.1: 0 = all others). */
  filter: number;
  /** Partition value, 0–6 (TDS §14.5.3). */
  partition: number;
  /** The 13-digit GLN with its computed check digit (GS1 AI 414). */
  gln: string;
  /** `urn:epc:id:sgln:<companyPrefix>.<locationReference>.<extension>` (extension percent-escaped). */
  pureIdentityUri: string;
  /** `urn:epc:tag:<scheme>:<filter>.<companyPrefix>.<locationReference>.<extension>`. */
  tagUri: string;
}

/** A decoded SGLN-96 (header 0x32). */
export interface Sgln96 extends DecodedSgln {
  scheme: "sgln-96";
}

/** A decoded SGLN-195 (header 0x39). */
export interface Sgln195 extends DecodedSgln {
  scheme: "sgln-195";
}

/** Decodes the bits after an SGLN header (the reader has consumed the 8 header bits). */
export function decodeSgln(reader: BitReader, scheme: SglnScheme): EpcResult<Sgln96 | Sgln195> {
  const fp = readFilterAndPartition(reader, SGLN_PARTITIONS, "SGLN");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "location reference");
  if (!digits.ok) return digits;
  const { companyPrefix, reference: locationReference } = digits.value;
  let extension: string;
  if (scheme === "sgln-96") {
    extension = readInteger(reader, EXTENSION_BITS[scheme]);
  } else {
    const text = readString7(reader, EXTENSION_BITS[scheme], "SGLN-195 extension");
    if (!text.ok) return text;
    extension = text.value;
  }
  // TDS §7.5: GLN = company prefix, location reference, check digit.
  const body = companyPrefix + locationReference;
  const ids = `${companyPrefix}.${locationReference}.${escapeEpcUriComponent(extension)}`;
  const common = {
    filter,
    partition: row.partition,
    companyPrefix,
    locationReference,
    extension,
    gln: body + String(gs1CheckDigit(body)),
    pureIdentityUri: `urn:epc:id:sgln:${ids}`,
    tagUri: `urn:epc:tag:${scheme}:${filter}.${ids}`,
  };
  // Two branches so each result carries its literal scheme type.
  return epcOk(scheme === "sgln-96" ? { scheme, ...common } : { scheme, ...common });
}

/**
 * Encodes SGLN fields as SGLN-96 or SGLN-195 and returns upper-case hex: 24
 * digits, or 52 for SGLN-195 (195 bits zero-padded to 13 16-bit words).
 */
export function encodeSgln(scheme: SglnScheme, filter: number, fields: SglnFields): EpcResult<string> {
  const row = rowForCompanyPrefix(SGLN_PARTITIONS, fields.companyPrefix, "SGLN");
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(scheme === "sgln-96" ? SGLN96_HEADER : SGLN195_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3);
  const ref = writePartitioned(writer, row.value, fields.companyPrefix, fields.locationReference, "location reference");
  if (!ref.ok) return ref;
  const ext =
    scheme === "sgln-96"
      ? writeInteger(writer, fields.extension, EXTENSION_BITS[scheme], "SGLN-96 extension")
      : writeString7(writer, fields.extension, EXTENSION_BITS[scheme], "SGLN-195 extension");
  if (!ext.ok) return ext;
  return epcOk(writer.toHex(PADDED_BITS[scheme]));
}

/** Parses `<companyPrefix>.<locationReference>.<extension>` from an SGLN URI (TDS §6.3.3), unescaping the extension. */
export function sglnFieldsFromUri(components: string): EpcResult<SglnFields> {
  const parts = splitComponents(components, 3, true);
  if (!parts.ok) return parts;
  const [cp = "", lr = "", rawExtension = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  const locationReference = digitsComponent(lr, "location reference");
  if (!locationReference.ok) return locationReference;
  const extension = unescapeEpcUriComponent(rawExtension, "extension");
  if (!extension.ok) return extension;
  return epcOk({
    companyPrefix: companyPrefix.value,
    locationReference: locationReference.value,
    extension: extension.value,
  });
}
