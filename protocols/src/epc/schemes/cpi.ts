/**
 * CPI-96, TDS 2.x §14.5 (coding table), §14.4.4 (Unpadded Partition Table
 * decoding), §6.3 (URI) and §7 (CPI correspondence, GS1 AI 8010 + 8011).
 */
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, splitComponents } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "../errors.js";
import { pow10, readInteger, writeInteger } from "../fields.js";
import { CPI96_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** CPI-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const CPI96_HEADER = 0x3c;

/** The CPI-96 serial is a 31-bit integer. */
const SERIAL_BITS = 31;

/** The identity fields of a CPI, as they appear in its URIs. */
export interface CpiFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Component / part reference; for CPI-96 digits without leading zeros, at most 15 − prefix digits. */
  partReference: string;
  /** Serial (GS1 AI 8011); for CPI-96 digits without leading zeros below 2^31. */
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
