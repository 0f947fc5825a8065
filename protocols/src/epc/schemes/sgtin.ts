/**
 * SGTIN-96 and SGTIN-198, TDS 2.x §14.5.1 (coding tables), §6.3.1 (URI) and
 * §7.3 (GTIN correspondence).
 */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, escapeEpcUriComponent, splitComponents, unescapeEpcUriComponent } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk } from "../errors.js";
import { readInteger, readPartitioned, readString7, writeInteger, writePartitioned, writeString7 } from "../fields.js";
import { SGTIN_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** SGTIN-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const SGTIN96_HEADER = 0x30;
/** SGTIN-198 header byte (TDS 2.x §14.2, Table 14-1). */
export const SGTIN198_HEADER = 0x36;

/** The SGTIN binary schemes: 96 bits with a numeric serial, 198 bits with an alphanumeric one. */
export type SgtinScheme = "sgtin-96" | "sgtin-198";

/** TDS §14.5.1: serial widths: 38-bit integer (SGTIN-96), 140-bit 7-bit string (SGTIN-198, ≤ 20 characters). */
const SERIAL_BITS = { "sgtin-96": 38, "sgtin-198": 140 } as const;

/** The identity fields of an SGTIN, as they appear in its URIs (serial unescaped). */
export interface SgtinFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Indicator digit followed by the item reference; 13 digits together with the company prefix. */
  itemReference: string;
  /** Serial (GS1 AI 21), unescaped: digits without leading zeros below 2^38 for SGTIN-96; 1–20 Table A-1 characters for SGTIN-198. */
  serial: string;
}

interface DecodedSgtin extends SgtinFields {
  /** Filter value, 0–7 (TDS §10.1: 1 = point-of-sale trade item, 2 = full case, 6 = unit load, 0 = all others). */
  filter: number;
  /** Partition value, 0–6 (TDS §14.5.1, Table 14-2). */
  partition: number;
  /** GTIN-14 with its computed check digit. */
  gtin: string;
  /** `urn:epc:id:sgtin:<companyPrefix>.<itemReference>.<serial>` (serial percent-escaped). */
  pureIdentityUri: string;
  /** `urn:epc:tag:sgtin-96:<filter>.<companyPrefix>.<itemReference>.<serial>`. */
  tagUri: string;
}

/** A decoded SGTIN-96 (header 0x30). */
export interface Sgtin96 extends DecodedSgtin {
  scheme: "sgtin-96";
}

/** A decoded SGTIN-198 (header 0x36). */
export interface Sgtin198 extends DecodedSgtin {
  scheme: "sgtin-198";
}

/** TDS §7.3.2: GTIN-14 = indicator digit, company prefix, item reference, check digit. */
function gtinOf(companyPrefix: string, itemReference: string): string {
  const body = itemReference.slice(0, 1) + companyPrefix + itemReference.slice(1);
  return body + String(gs1CheckDigit(body));
}

/** Decodes the bits after an SGTIN header (the reader has consumed the 8 header bits). */
export function decodeSgtin(reader: BitReader, scheme: SgtinScheme): EpcResult<Sgtin96 | Sgtin198> {
  const fp = readFilterAndPartition(reader, SGTIN_PARTITIONS, "SGTIN");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "item reference");
  if (!digits.ok) return digits;
  const { companyPrefix, reference: itemReference } = digits.value;
  let serial: string;
  if (scheme === "sgtin-96") {
    serial = readInteger(reader, SERIAL_BITS[scheme]);
  } else {
    const text = readString7(reader, SERIAL_BITS[scheme], "SGTIN-198 serial");
    if (!text.ok) return text;
    serial = text.value;
  }
  const ids = `${companyPrefix}.${itemReference}.${escapeEpcUriComponent(serial)}`;
  const common = {
    filter,
    partition: row.partition,
    companyPrefix,
    itemReference,
    serial,
    gtin: gtinOf(companyPrefix, itemReference),
    pureIdentityUri: `urn:epc:id:sgtin:${ids}`,
    tagUri: `urn:epc:tag:${scheme}:${filter}.${ids}`,
  };
  // Two branches so each result carries its literal scheme type.
  return epcOk(scheme === "sgtin-96" ? { scheme, ...common } : { scheme, ...common });
}

/**
 * Encodes SGTIN fields as SGTIN-96 or SGTIN-198 (TDS §14.5.1) and returns
 * upper-case hex: 24 digits, or 52 for SGTIN-198 (198 bits zero-padded to
 * 13 16-bit words, as in the Gen2 EPC bank).
 */
export function encodeSgtin(scheme: SgtinScheme, filter: number, fields: SgtinFields): EpcResult<string> {
  const row = rowForCompanyPrefix(SGTIN_PARTITIONS, fields.companyPrefix, "SGTIN");
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(scheme === "sgtin-96" ? SGTIN96_HEADER : SGTIN198_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3);
  const ref = writePartitioned(
    writer,
    row.value,
    fields.companyPrefix,
    fields.itemReference,
    "indicator + item reference",
  );
  if (!ref.ok) return ref;
  const serial =
    scheme === "sgtin-96"
      ? writeInteger(writer, fields.serial, SERIAL_BITS[scheme], "SGTIN-96 serial")
      : writeString7(writer, fields.serial, SERIAL_BITS[scheme], "SGTIN-198 serial");
  if (!serial.ok) {
    if (scheme === "sgtin-96" && serial.error.code === EpcErrorCode.Serial) {
      return epcFail(EpcErrorCode.Serial, `${serial.error.message} (alphanumeric serials need sgtin-198)`);
    }
    return serial;
  }
  return epcOk(writer.toHex(scheme === "sgtin-96" ? 96 : 208));
}

/** Parses `<companyPrefix>.<itemReference>.<serial>` from an SGTIN URI (TDS §6.3.1), unescaping the serial. */
export function sgtinFieldsFromUri(components: string): EpcResult<SgtinFields> {
  const parts = splitComponents(components, 3, true);
  if (!parts.ok) return parts;
  const [cp = "", ir = "", rawSerial = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  const itemReference = digitsComponent(ir, "item reference");
  if (!itemReference.ok) return itemReference;
  const serial = unescapeEpcUriComponent(rawSerial, "serial");
  if (!serial.ok) return serial;
  return epcOk({ companyPrefix: companyPrefix.value, itemReference: itemReference.value, serial: serial.value });
}
