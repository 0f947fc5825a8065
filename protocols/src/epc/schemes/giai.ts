/** GIAI-96 and GIAI-202, TDS 2.x §14.5.5 (coding tables), §6.3.5 (URI) and §7.7 (GIAI correspondence). */
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, escapeEpcUriComponent, splitComponents, unescapeEpcUriComponent } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk } from "../errors.js";
import { pow10, readInteger, readString7, writeInteger, writeString7 } from "../fields.js";
import { GIAI96_PARTITIONS, GIAI202_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** GIAI-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const GIAI96_HEADER = 0x34;

/** GIAI-202 header byte (TDS 2.x §14.2, Table 14-1). */
export const GIAI202_HEADER = 0x38;

/** The GIAI binary schemes: 96 bits with a numeric reference, 202 bits with an alphanumeric one. */
export type GiaiScheme = "giai-96" | "giai-202";

const PARTITIONS = { "giai-96": GIAI96_PARTITIONS, "giai-202": GIAI202_PARTITIONS } as const;
/** Bits written per scheme: GIAI-202 zero-padded to 13 16-bit words, as in the Gen2 EPC bank (TDS §15.1.1). */
const PADDED_BITS = { "giai-96": 96, "giai-202": 208 } as const;

/** The identity fields of a GIAI, as they appear in its URIs (reference unescaped). */
export interface GiaiFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /**
   * Individual asset reference, unescaped: GIAI-96 digits without leading zeros below
   * 2^(82 − company prefix bits); GIAI-202 1–(30 − prefix digits) Table A-1 characters.
   */
  individualAssetReference: string;
}

interface DecodedGiai extends GiaiFields {
  /** Filter value, 0–7 (TDS §10.1: 0 = all others, 1 = rail vehicle). */
  filter: number;
  /** Partition value, 0–6 (TDS §14.5.5). */
  partition: number;
  /** The GIAI (GS1 AI 8004): company prefix followed by the individual asset reference. */
  giai: string;
  /** `urn:epc:id:giai:<companyPrefix>.<individualAssetReference>` (reference percent-escaped). */
  pureIdentityUri: string;
  /** `urn:epc:tag:<scheme>:<filter>.<companyPrefix>.<individualAssetReference>`. */
  tagUri: string;
}

/** A decoded GIAI-96 (header 0x34). */
export interface Giai96 extends DecodedGiai {
  scheme: "giai-96";
}

/** A decoded GIAI-202 (header 0x38). */
export interface Giai202 extends DecodedGiai {
  scheme: "giai-202";
}

/**
 * Decodes the bits after a GIAI header (TDS §14.4.4 Unpadded Partition Table
 * decoding for GIAI-96, §14.4.5 String Partition Table decoding for GIAI-202).
 */
export function decodeGiai(reader: BitReader, scheme: GiaiScheme): EpcResult<Giai96 | Giai202> {
  const fp = readFilterAndPartition(reader, PARTITIONS[scheme], scheme.toUpperCase());
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
  let individualAssetReference: string;
  if (scheme === "giai-96") {
    individualAssetReference = readInteger(reader, row.referenceBits);
  } else {
    const text = readString7(reader, row.referenceBits, "GIAI-202 individual asset reference");
    if (!text.ok) return text;
    const tooLong = checkGiai202Length(text.value, row.referenceDigits, row.companyPrefixDigits);
    if (!tooLong.ok) return tooLong;
    individualAssetReference = text.value;
  }
  const ids = `${companyPrefix}.${escapeEpcUriComponent(individualAssetReference)}`;
  const common = {
    filter,
    partition: row.partition,
    companyPrefix,
    individualAssetReference,
    giai: companyPrefix + individualAssetReference,
    pureIdentityUri: `urn:epc:id:giai:${ids}`,
    tagUri: `urn:epc:tag:${scheme}:${filter}.${ids}`,
  };
  // Two branches so each result carries its literal scheme type.
  return epcOk(scheme === "giai-96" ? { scheme, ...common } : { scheme, ...common });
}

/**
 * GS1 AI 8004 holds at most 30 characters, so the reference may be shorter
 * than the bits of its partition would allow (TDS §14.5.5: 18–24 characters).
 */
function checkGiai202Length(reference: string, max: number, prefixDigits: number): EpcResult<string> {
  return reference.length <= max
    ? epcOk(reference)
    : epcFail(
        EpcErrorCode.Serial,
        `GIAI-202 individual asset reference has ${reference.length} characters; at most ${max} with a ${prefixDigits}-digit company prefix`,
      );
}

/**
 * Encodes GIAI fields as GIAI-96 or GIAI-202 (TDS §14.3.4–5, §14.5.5) and
 * returns upper-case hex: 24 digits, or 52 for GIAI-202 (202 bits zero-padded to 13 words).
 */
export function encodeGiai(scheme: GiaiScheme, filter: number, fields: GiaiFields): EpcResult<string> {
  const row = rowForCompanyPrefix(PARTITIONS[scheme], fields.companyPrefix, scheme.toUpperCase());
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(scheme === "giai-96" ? GIAI96_HEADER : GIAI202_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3)
    .write(BigInt(fields.companyPrefix), row.value.companyPrefixBits);
  const what = `${scheme.toUpperCase()} individual asset reference (with a ${row.value.companyPrefixDigits}-digit company prefix)`;
  let ref: EpcResult<unknown>;
  if (scheme === "giai-96") {
    ref = writeInteger(writer, fields.individualAssetReference, row.value.referenceBits, what);
  } else {
    ref = checkGiai202Length(fields.individualAssetReference, row.value.referenceDigits, row.value.companyPrefixDigits);
    if (ref.ok) ref = writeString7(writer, fields.individualAssetReference, row.value.referenceBits, what);
  }
  if (!ref.ok) return ref;
  return epcOk(writer.toHex(PADDED_BITS[scheme]));
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
