/** GIAI-96, TDS 2.x §14.5.5 (coding table), §6.3.5 (URI) and §7.7 (GIAI correspondence). */
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, splitComponents, unescapeEpcUriComponent } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk } from "../errors.js";
import { pow10, readInteger, writeInteger } from "../fields.js";
import { GIAI96_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** GIAI-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const GIAI96_HEADER = 0x34;

/** The identity fields of a GIAI, as they appear in its URIs (reference unescaped). */
export interface GiaiFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Individual asset reference; for GIAI-96 digits without leading zeros below 2^(82 − company prefix bits). */
  individualAssetReference: string;
}

/** A decoded GIAI-96 (header 0x34). */
export interface Giai96 extends GiaiFields {
  scheme: "giai-96";
  /** Filter value, 0–7 (TDS §10.1: 0 = all others, 1 = rail vehicle). */
  filter: number;
  /** Partition value, 0–6 (TDS §14.5.5). */
  partition: number;
  /** The GIAI (GS1 AI 8004): company prefix followed by the individual asset reference. */
  giai: string;
  /** `urn:epc:id:giai:<companyPrefix>.<individualAssetReference>`. */
  pureIdentityUri: string;
  /** `urn:epc:tag:giai-96:<filter>.<companyPrefix>.<individualAssetReference>`. */
  tagUri: string;
}

/** Decodes the bits after a GIAI-96 header (TDS §14.4.4: Unpadded Partition Table decoding). */
export function decodeGiai(reader: BitReader): EpcResult<Giai96> {
  const fp = readFilterAndPartition(reader, GIAI96_PARTITIONS, "GIAI-96");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const cp = reader.read(row.companyPrefixBits);
  if (cp >= pow10(row.companyPrefixDigits)) {
    return epcFail(
      EpcErrorCode.Range,
      `company prefix ${cp} has more than the ${row.companyPrefixDigits} digits partition ${row.partition} allows`,
    );
  }
  const companyPrefix = cp.toString().padStart(row.companyPrefixDigits, "0");
  const individualAssetReference = readInteger(reader, row.referenceBits);
  const ids = `${companyPrefix}.${individualAssetReference}`;
  return epcOk({
    scheme: "giai-96",
    filter,
    partition: row.partition,
    companyPrefix,
    individualAssetReference,
    giai: companyPrefix + individualAssetReference,
    pureIdentityUri: `urn:epc:id:giai:${ids}`,
    tagUri: `urn:epc:tag:giai-96:${filter}.${ids}`,
  });
}

/** Encodes GIAI fields as GIAI-96 (TDS §14.3.4, §14.5.5); returns 24 upper-case hex digits. */
export function encodeGiai(filter: number, fields: GiaiFields): EpcResult<string> {
  const row = rowForCompanyPrefix(GIAI96_PARTITIONS, fields.companyPrefix, "GIAI-96");
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(GIAI96_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3)
    .write(BigInt(fields.companyPrefix), row.value.companyPrefixBits);
  const ref = writeInteger(
    writer,
    fields.individualAssetReference,
    row.value.referenceBits,
    `GIAI-96 individual asset reference (with a ${row.value.companyPrefixDigits}-digit company prefix)`,
  );
  if (!ref.ok) return ref;
  return epcOk(writer.toHex(96));
}

/** Parses `<companyPrefix>.<individualAssetReference>` from a GIAI URI (TDS §6.3.5), unescaping the reference. */
export function giaiFieldsFromUri(components: string): EpcResult<GiaiFields> {
  const parts = splitComponents(components, 2, true);
  if (!parts.ok) return parts;
  const [cp = "", rawReference = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  const reference = unescapeEpcUriComponent(rawReference, "individual asset reference");
  if (!reference.ok) return reference;
  return epcOk({ companyPrefix: companyPrefix.value, individualAssetReference: reference.value });
}
