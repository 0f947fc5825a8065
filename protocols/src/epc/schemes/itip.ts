/**
 * ITIP-110 and ITIP-212, TDS 2.x §14.5 (coding tables), §6.3 (URI) and §7
 * (ITIP correspondence, GS1 AI 8006 + 21): one piece of a trade item shipped in several.
 */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, escapeEpcUriComponent, splitComponents, unescapeEpcUriComponent } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "../errors.js";
import { readInteger, readPartitioned, readString7, writeInteger, writePartitioned, writeString7 } from "../fields.js";
import { SGTIN_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** ITIP-110 header byte (TDS 2.x §14.2, Table 14-1). */
export const ITIP110_HEADER = 0x40;
/** ITIP-212 header byte (TDS 2.x §14.2, Table 14-1). */
export const ITIP212_HEADER = 0x41;

/** The ITIP binary schemes: a numeric serial in 110 bits, an alphanumeric one in 212. */
export type ItipScheme = "itip-110" | "itip-212";

/** Piece and total are each two digits in 7 bits. */
const PIECE_BITS = 7;
/** Serial widths: 38-bit integer (ITIP-110), 140-bit 7-bit string (ITIP-212, ≤ 20 characters). */
const SERIAL_BITS = { "itip-110": 38, "itip-212": 140 } as const;
/** Bits written per scheme: zero-padded to whole 16-bit words, as in the Gen2 EPC bank (TDS §15.1.1). */
const PADDED_BITS = { "itip-110": 112, "itip-212": 224 } as const;

/** The identity fields of an ITIP, as they appear in its URIs (serial unescaped). */
export interface ItipFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Indicator digit followed by the item reference; 13 digits together with the company prefix. */
  itemReference: string;
  /** Piece number, two digits. */
  piece: string;
  /** Total count of pieces, two digits. */
  total: string;
  /** Serial, unescaped: ITIP-110 digits without leading zeros below 2^38; ITIP-212 1–20 Table A-1 characters. */
  serial: string;
}

interface DecodedItip extends ItipFields {
  /** Filter value, 0–7 (TDS §10: 0 = all others). */
  filter: number;
  /** Partition value, 0–6 (the SGTIN table). */
  partition: number;
  /** The ITIP (GS1 AI 8006): GTIN-14 with its computed check digit, piece, total. */
  itip: string;
  /** `urn:epc:id:itip:<companyPrefix>.<itemReference>.<piece>.<total>.<serial>` (serial percent-escaped). */
  pureIdentityUri: string;
  /** `urn:epc:tag:<scheme>:<filter>.<companyPrefix>.<itemReference>.<piece>.<total>.<serial>`. */
  tagUri: string;
}

/** A decoded ITIP-110 (header 0x40). */
export interface Itip110 extends DecodedItip {
  scheme: "itip-110";
}

/** A decoded ITIP-212 (header 0x41). */
export interface Itip212 extends DecodedItip {
  scheme: "itip-212";
}

function readTwoDigits(reader: BitReader, what: string): EpcResult<string> {
  const value = reader.read(PIECE_BITS);
  return value <= 99n
    ? epcOk(value.toString().padStart(2, "0"))
    : epcFail(EpcErrorCode.Range, `ITIP ${what} ${value} has more than two digits`);
}

/** Decodes the bits after an ITIP header (the reader has consumed the 8 header bits). */
export function decodeItip(reader: BitReader, scheme: ItipScheme): EpcResult<Itip110 | Itip212> {
  const fp = readFilterAndPartition(reader, SGTIN_PARTITIONS, scheme.toUpperCase());
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "item reference");
  if (!digits.ok) return digits;
  const piece = readTwoDigits(reader, "piece");
  if (!piece.ok) return piece;
  const total = readTwoDigits(reader, "total");
  if (!total.ok) return total;
  let serial: string;
  if (scheme === "itip-110") {
    serial = readInteger(reader, SERIAL_BITS[scheme]);
  } else {
    const text = readString7(reader, SERIAL_BITS[scheme], "ITIP-212 serial");
    if (!text.ok) return text;
    serial = text.value;
  }
  const { companyPrefix, reference: itemReference } = digits.value;
  // GTIN-14 = indicator digit, company prefix, rest of item reference, check digit (as for SGTIN).
  const body = itemReference.slice(0, 1) + companyPrefix + itemReference.slice(1);
  const ids = `${companyPrefix}.${itemReference}.${piece.value}.${total.value}.${escapeEpcUriComponent(serial)}`;
  const common = {
    filter,
    partition: row.partition,
    companyPrefix,
    itemReference,
    piece: piece.value,
    total: total.value,
    serial,
    itip: body + String(gs1CheckDigit(body)) + piece.value + total.value,
    pureIdentityUri: `urn:epc:id:itip:${ids}`,
    tagUri: `urn:epc:tag:${scheme}:${filter}.${ids}`,
  };
  // Two branches so each result carries its literal scheme type.
  return epcOk(scheme === "itip-110" ? { scheme, ...common } : { scheme, ...common });
}

function writeTwoDigits(writer: BitWriter, text: string, what: string): EpcResult<BitWriter> {
  return /^[0-9]{2}$/.test(text)
    ? epcOk(writer.write(BigInt(text), PIECE_BITS))
    : epcFail(EpcErrorCode.Range, `ITIP ${what} must be two digits, got ${preview(text)}`);
}

/**
 * Encodes ITIP fields as ITIP-110 or ITIP-212 and returns upper-case hex: 28
 * or 56 digits (110 or 212 bits zero-padded to whole 16-bit words).
 */
export function encodeItip(scheme: ItipScheme, filter: number, fields: ItipFields): EpcResult<string> {
  const row = rowForCompanyPrefix(SGTIN_PARTITIONS, fields.companyPrefix, scheme.toUpperCase());
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(scheme === "itip-110" ? ITIP110_HEADER : ITIP212_HEADER), 8)
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
  const piece = writeTwoDigits(writer, fields.piece, "piece");
  if (!piece.ok) return piece;
  const total = writeTwoDigits(writer, fields.total, "total");
  if (!total.ok) return total;
  const serial =
    scheme === "itip-110"
      ? writeInteger(writer, fields.serial, SERIAL_BITS[scheme], "ITIP-110 serial")
      : writeString7(writer, fields.serial, SERIAL_BITS[scheme], "ITIP-212 serial");
  if (!serial.ok) return serial;
  return epcOk(writer.toHex(PADDED_BITS[scheme]));
}

/** Parses `<companyPrefix>.<itemReference>.<piece>.<total>.<serial>` from an ITIP URI (TDS §6.3). */
export function itipFieldsFromUri(components: string): EpcResult<ItipFields> {
  const parts = splitComponents(components, 5, true);
  if (!parts.ok) return parts;
  const [cp = "", ir = "", pc = "", tt = "", rawSerial = ""] = parts.value;
  const checked = [
    digitsComponent(cp, "company prefix"),
    digitsComponent(ir, "item reference"),
    digitsComponent(pc, "piece"),
    digitsComponent(tt, "total"),
  ];
  for (const c of checked) if (!c.ok) return c;
  const serial = unescapeEpcUriComponent(rawSerial, "serial");
  if (!serial.ok) return serial;
  return epcOk({ companyPrefix: cp, itemReference: ir, piece: pc, total: tt, serial: serial.value });
}
