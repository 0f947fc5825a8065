/** GRAI-96 and GRAI-170, TDS 2.x §14.5.4 (coding tables), §6.3.4 (URI) and §7.6 (GRAI correspondence). */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, escapeEpcUriComponent, splitComponents, unescapeEpcUriComponent } from "../epc-uri.js";
import { type EpcResult, epcOk } from "../errors.js";
import { readInteger, readPartitioned, readString7, writeInteger, writePartitioned, writeString7 } from "../fields.js";
import { GRAI_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** GRAI-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const GRAI96_HEADER = 0x33;

/** GRAI-170 header byte (TDS 2.x §14.2, Table 14-1). */
export const GRAI170_HEADER = 0x37;

/** The GRAI binary schemes: 96 bits with a numeric serial, 170 bits with an alphanumeric one. */
export type GraiScheme = "grai-96" | "grai-170";

/** Serial widths: 38-bit integer (GRAI-96), 112-bit 7-bit string (GRAI-170, ≤ 16 characters). */
const SERIAL_BITS = { "grai-96": 38, "grai-170": 112 } as const;
/** Bits written per scheme: GRAI-170 zero-padded to 11 16-bit words, as in the Gen2 EPC bank (TDS §15.1.1). */
const PADDED_BITS = { "grai-96": 96, "grai-170": 176 } as const;

/** The identity fields of a GRAI, as they appear in its URIs (serial unescaped). */
export interface GraiFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Asset type; 12 digits together with the company prefix (empty for a 12-digit prefix). */
  assetType: string;
  /** Serial, unescaped: GRAI-96 digits without leading zeros below 2^38; GRAI-170 1–16 Table A-1 characters. */
  serial: string;
}

interface DecodedGrai extends GraiFields {
  /** Filter value, 0–7 (TDS §10.1: 0 = all others). */
  filter: number;
  /** Partition value, 0–6 (TDS §14.5.4). */
  partition: number;
  /** The GRAI (GS1 AI 8003): "0", company prefix, asset type, computed check digit, serial. */
  grai: string;
  /** `urn:epc:id:grai:<companyPrefix>.<assetType>.<serial>` (serial percent-escaped). */
  pureIdentityUri: string;
  /** `urn:epc:tag:<scheme>:<filter>.<companyPrefix>.<assetType>.<serial>`. */
  tagUri: string;
}

/** A decoded GRAI-96 (header 0x33). */
export interface Grai96 extends DecodedGrai {
  scheme: "grai-96";
}

/** A decoded GRAI-170 (header 0x37). */
export interface Grai170 extends DecodedGrai {
  scheme: "grai-170";
}

/** Decodes the bits after a GRAI header (the reader has consumed the 8 header bits). */
export function decodeGrai(reader: BitReader, scheme: GraiScheme): EpcResult<Grai96 | Grai170> {
  const fp = readFilterAndPartition(reader, GRAI_PARTITIONS, "GRAI");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "asset type");
  if (!digits.ok) return digits;
  const { companyPrefix, reference: assetType } = digits.value;
  let serial: string;
  if (scheme === "grai-96") {
    serial = readInteger(reader, SERIAL_BITS[scheme]);
  } else {
    const text = readString7(reader, SERIAL_BITS[scheme], "GRAI-170 serial");
    if (!text.ok) return text;
    serial = text.value;
  }
  // TDS §7.6: (8003) 0, company prefix, asset type, check digit, serial.
  const body = `0${companyPrefix}${assetType}`;
  const ids = `${companyPrefix}.${assetType}.${escapeEpcUriComponent(serial)}`;
  const common = {
    filter,
    partition: row.partition,
    companyPrefix,
    assetType,
    serial,
    grai: body + String(gs1CheckDigit(body)) + serial,
    pureIdentityUri: `urn:epc:id:grai:${ids}`,
    tagUri: `urn:epc:tag:${scheme}:${filter}.${ids}`,
  };
  // Two branches so each result carries its literal scheme type.
  return epcOk(scheme === "grai-96" ? { scheme, ...common } : { scheme, ...common });
}

/**
 * Encodes GRAI fields as GRAI-96 or GRAI-170 and returns upper-case hex: 24
 * digits, or 44 for GRAI-170 (170 bits zero-padded to 11 16-bit words).
 */
export function encodeGrai(scheme: GraiScheme, filter: number, fields: GraiFields): EpcResult<string> {
  const row = rowForCompanyPrefix(GRAI_PARTITIONS, fields.companyPrefix, "GRAI");
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(scheme === "grai-96" ? GRAI96_HEADER : GRAI170_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3);
  const ref = writePartitioned(writer, row.value, fields.companyPrefix, fields.assetType, "asset type");
  if (!ref.ok) return ref;
  const serial =
    scheme === "grai-96"
      ? writeInteger(writer, fields.serial, SERIAL_BITS[scheme], "GRAI-96 serial")
      : writeString7(writer, fields.serial, SERIAL_BITS[scheme], "GRAI-170 serial");
  if (!serial.ok) return serial;
  return epcOk(writer.toHex(PADDED_BITS[scheme]));
}

/** Parses `<companyPrefix>.<assetType>.<serial>` from a GRAI URI (TDS §6.3.4), unescaping the serial. */
export function graiFieldsFromUri(components: string): EpcResult<GraiFields> {
  const parts = splitComponents(components, 3, true);
  if (!parts.ok) return parts;
  const [cp = "", at = "", rawSerial = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  const assetType = digitsComponent(at, "asset type");
  if (!assetType.ok) return assetType;
  const serial = unescapeEpcUriComponent(rawSerial, "serial");
  if (!serial.ok) return serial;
  return epcOk({ companyPrefix: companyPrefix.value, assetType: assetType.value, serial: serial.value });
}
