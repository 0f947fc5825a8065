/**
 * USDOD-96, TDS 2.x §14.5 (coding table) and §6.3 (URI): US Department of
 * Defense identifier, a CAGE code or DoDAAC and a serial. No GS1 key.
 */
import { type BitReader, BitWriter } from "../bits.js";
import { splitComponents } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "../errors.js";
import { readInteger, writeInteger } from "../fields.js";

/** USDOD-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const USDOD96_HEADER = 0x2f;

/** USDOD-96 carries a 4-bit filter (0–15), unlike the GS1 schemes' 3 bits. */
const FILTER_BITS = 4;
/** The CAGE code or DoDAAC: six 8-bit ASCII characters; a 5-character CAGE code has a leading space. */
const CHARS = 6;
const SERIAL_BITS = 36;

/** The identity fields of a USDOD identifier, as they appear in its URIs. */
export interface UsdodFields {
  /** CAGE code (5 characters) or DoDAAC (6), upper-case letters and digits. */
  cageOrDodaac: string;
  /** Serial, digits without leading zeros below 2^36. */
  serial: string;
}

/** A decoded USDOD-96 (header 0x2F). */
export interface Usdod96 extends UsdodFields {
  scheme: "usdod-96";
  /** Filter value, 0–15 (4 bits, assigned by the US DoD). */
  filter: number;
  /** `urn:epc:id:usdod:<cageOrDodaac>.<serial>`. */
  pureIdentityUri: string;
  /** `urn:epc:tag:usdod-96:<filter>.<cageOrDodaac>.<serial>`. */
  tagUri: string;
}

const CAGE_OR_DODAAC = /^[0-9A-Z]{5,6}$/;

/** Decodes the bits after a USDOD-96 header. */
export function decodeUsdod(reader: BitReader): EpcResult<Usdod96> {
  const filter = Number(reader.read(FILTER_BITS));
  const codes = Array.from({ length: CHARS }, () => Number(reader.read(8)));
  // A 5-character CAGE code is stored after one space; a DoDAAC fills all six.
  const text = String.fromCharCode(...(codes[0] === 0x20 ? codes.slice(1) : codes));
  if (!CAGE_OR_DODAAC.test(text)) {
    return epcFail(
      EpcErrorCode.Serial,
      `USDOD-96 CAGE/DoDAAC ${preview(text)} is not 5–6 upper-case letters or digits`,
    );
  }
  const serial = readInteger(reader, SERIAL_BITS);
  const ids = `${text}.${serial}`;
  return epcOk({
    scheme: "usdod-96",
    filter,
    cageOrDodaac: text,
    serial,
    pureIdentityUri: `urn:epc:id:usdod:${ids}`,
    tagUri: `urn:epc:tag:usdod-96:${filter}.${ids}`,
  });
}

/** Encodes USDOD fields as USDOD-96 with a 4-bit filter (0–15); returns 24 upper-case hex digits. */
export function encodeUsdod(filter: number, fields: UsdodFields): EpcResult<string> {
  if (!Number.isInteger(filter) || filter < 0 || filter > 15) {
    return epcFail(EpcErrorCode.Range, `USDOD-96 filter must be an integer 0–15, got ${String(filter)}`);
  }
  if (!CAGE_OR_DODAAC.test(fields.cageOrDodaac)) {
    return epcFail(
      EpcErrorCode.Serial,
      `USDOD-96 CAGE/DoDAAC must be 5–6 upper-case letters or digits, got ${preview(fields.cageOrDodaac)}`,
    );
  }
  const writer = new BitWriter().write(BigInt(USDOD96_HEADER), 8).write(BigInt(filter), FILTER_BITS);
  const padded = fields.cageOrDodaac.padStart(CHARS, " ");
  for (let i = 0; i < CHARS; i++) writer.write(BigInt(padded.charCodeAt(i)), 8);
  const serial = writeInteger(writer, fields.serial, SERIAL_BITS, "USDOD-96 serial");
  if (!serial.ok) return serial;
  return epcOk(writer.toHex(96));
}

/** Parses `<cageOrDodaac>.<serial>` from a USDOD URI (TDS §6.3). */
export function usdodFieldsFromUri(components: string): EpcResult<UsdodFields> {
  const parts = splitComponents(components, 2, false);
  if (!parts.ok) return parts;
  const [cageOrDodaac = "", serial = ""] = parts.value;
  return epcOk({ cageOrDodaac, serial });
}
