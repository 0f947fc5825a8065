/** GRAI-96, TDS 2.x §14.5.4 (coding table), §6.3.4 (URI) and §7.6 (GRAI correspondence). */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, splitComponents, unescapeEpcUriComponent } from "../epc-uri.js";
import { type EpcResult, epcOk } from "../errors.js";
import { readInteger, readPartitioned, writeInteger, writePartitioned } from "../fields.js";
import { GRAI_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** GRAI-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const GRAI96_HEADER = 0x33;

/** TDS §14.5.4: the GRAI-96 serial is a 38-bit integer. */
const SERIAL_BITS = 38;

/** The identity fields of a GRAI, as they appear in its URIs (serial unescaped). */
export interface GraiFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Asset type; 12 digits together with the company prefix (empty for a 12-digit prefix). */
  assetType: string;
  /** Serial; for GRAI-96 digits without leading zeros below 2^38. */
  serial: string;
}

/** A decoded GRAI-96 (header 0x33). */
export interface Grai96 extends GraiFields {
  scheme: "grai-96";
  /** Filter value, 0–7 (TDS §10.1: 0 = all others). */
  filter: number;
  /** Partition value, 0–6 (TDS §14.5.4). */
  partition: number;
  /** The GRAI (GS1 AI 8003): "0", company prefix, asset type, computed check digit, serial. */
  grai: string;
  /** `urn:epc:id:grai:<companyPrefix>.<assetType>.<serial>`. */
  pureIdentityUri: string;
  /** `urn:epc:tag:grai-96:<filter>.<companyPrefix>.<assetType>.<serial>`. */
  tagUri: string;
}

/** Decodes the bits after a GRAI-96 header. */
export function decodeGrai(reader: BitReader): EpcResult<Grai96> {
  const fp = readFilterAndPartition(reader, GRAI_PARTITIONS, "GRAI");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "asset type");
  if (!digits.ok) return digits;
  const { companyPrefix, reference: assetType } = digits.value;
  const serial = readInteger(reader, SERIAL_BITS);
  // TDS §7.6: (8003) 0, company prefix, asset type, check digit, serial.
  const body = `0${companyPrefix}${assetType}`;
  const ids = `${companyPrefix}.${assetType}.${serial}`;
  return epcOk({
    scheme: "grai-96",
    filter,
    partition: row.partition,
    companyPrefix,
    assetType,
    serial,
    grai: body + String(gs1CheckDigit(body)) + serial,
    pureIdentityUri: `urn:epc:id:grai:${ids}`,
    tagUri: `urn:epc:tag:grai-96:${filter}.${ids}`,
  });
}

/** Encodes GRAI fields as GRAI-96 (TDS §14.5.4); returns 24 upper-case hex digits. */
export function encodeGrai(filter: number, fields: GraiFields): EpcResult<string> {
  const row = rowForCompanyPrefix(GRAI_PARTITIONS, fields.companyPrefix, "GRAI");
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(GRAI96_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3);
  const ref = writePartitioned(writer, row.value, fields.companyPrefix, fields.assetType, "asset type");
  if (!ref.ok) return ref;
  const serial = writeInteger(writer, fields.serial, SERIAL_BITS, "GRAI-96 serial");
  if (!serial.ok) return serial;
  return epcOk(writer.toHex(96));
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
