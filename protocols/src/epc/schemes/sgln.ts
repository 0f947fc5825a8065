/** SGLN-96, TDS 2.x §14.5.3 (coding table), §6.3.3 (URI) and §7.5 (GLN correspondence). */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, splitComponents, unescapeEpcUriComponent } from "../epc-uri.js";
import { type EpcResult, epcOk } from "../errors.js";
import { readInteger, readPartitioned, writeInteger, writePartitioned } from "../fields.js";
import { SGLN_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** SGLN-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const SGLN96_HEADER = 0x32;

/** TDS §14.5.3: the SGLN-96 extension is a 41-bit integer. */
const EXTENSION_BITS = 41;

/** The identity fields of an SGLN, as they appear in its URIs. */
export interface SglnFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Location reference; 12 digits together with the company prefix (empty for a 12-digit prefix). */
  locationReference: string;
  /** GLN extension (GS1 AI 254); for SGLN-96 digits without leading zeros below 2^41, "0" meaning none (TDS §6.3.3). */
  extension: string;
}

/** A decoded SGLN-96 (header 0x32). */
export interface Sgln96 extends SglnFields {
  scheme: "sgln-96";
  /** Filter value, 0–7 (TDS §10.1: 0 = all others). */
  filter: number;
  /** Partition value, 0–6 (TDS §14.5.3). */
  partition: number;
  /** The 13-digit GLN with its computed check digit (GS1 AI 414). */
  gln: string;
  /** `urn:epc:id:sgln:<companyPrefix>.<locationReference>.<extension>`. */
  pureIdentityUri: string;
  /** `urn:epc:tag:sgln-96:<filter>.<companyPrefix>.<locationReference>.<extension>`. */
  tagUri: string;
}

/** Decodes the bits after an SGLN-96 header. */
export function decodeSgln(reader: BitReader): EpcResult<Sgln96> {
  const fp = readFilterAndPartition(reader, SGLN_PARTITIONS, "SGLN");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "location reference");
  if (!digits.ok) return digits;
  const { companyPrefix, reference: locationReference } = digits.value;
  const extension = readInteger(reader, EXTENSION_BITS);
  // TDS §7.5: GLN = company prefix, location reference, check digit.
  const body = companyPrefix + locationReference;
  const ids = `${companyPrefix}.${locationReference}.${extension}`;
  return epcOk({
    scheme: "sgln-96",
    filter,
    partition: row.partition,
    companyPrefix,
    locationReference,
    extension,
    gln: body + String(gs1CheckDigit(body)),
    pureIdentityUri: `urn:epc:id:sgln:${ids}`,
    tagUri: `urn:epc:tag:sgln-96:${filter}.${ids}`,
  });
}

/** Encodes SGLN fields as SGLN-96 (TDS §14.5.3); returns 24 upper-case hex digits. */
export function encodeSgln(filter: number, fields: SglnFields): EpcResult<string> {
  const row = rowForCompanyPrefix(SGLN_PARTITIONS, fields.companyPrefix, "SGLN");
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(SGLN96_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3);
  const ref = writePartitioned(writer, row.value, fields.companyPrefix, fields.locationReference, "location reference");
  if (!ref.ok) return ref;
  const ext = writeInteger(writer, fields.extension, EXTENSION_BITS, "SGLN-96 extension");
  if (!ext.ok) return ext;
  return epcOk(writer.toHex(96));
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
