/**
 * ADI-var, TDS 2.x §14.5 (coding table), §14.3.x/§14.4.x (6-bit CAGE/DoDAAC
 * and 6-bit Variable String methods) and §6.3 (URI): the US Department of
 * Defense's Aerospace and Defense Identifier — a CAGE code or DoDAAC, an
 * original part number and a serial, each in 6-bit characters. No GS1 key.
 *
 * Layout: header 0x3B, 6-bit filter (0–63), the CAGE/DoDAAC as six 6-bit
 * characters (a 5-character CAGE code after one space), then the part number
 * (0–32 characters) and the serial (1–30 characters), each ended by a 6-bit
 * zero. The EPC takes 68–434 bits, so its length is read, not looked up.
 */
import { type BitReader, BitWriter } from "../bits.js";
import { splitComponents } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "../errors.js";

/** ADI-var header byte (TDS 2.x §14.2, Table 14-1). */
export const ADIVAR_HEADER = 0x3b;

/** The longest ADI-var: 8 + 6 + 36 + (32 + 1) × 6 + (30 + 1) × 6 bits. */
export const ADIVAR_MAX_BITS = 434;

const FILTER_BITS = 6;
const CAGE_CHARS = 6;
const PART_MAX = 32;
const SERIAL_MAX = 30;
/** 6-bit code of the space that fills a 5-character CAGE code out to six. */
const SPACE6 = 0x20;

/** The identity fields of an ADI, as they appear in its URIs (unescaped). */
export interface AdiFields {
  /** CAGE code (5 characters) or DoDAAC (6), upper-case letters and digits. */
  cageOrDodaac: string;
  /** Original part number, 0–32 characters of `A-Z 0-9 - /`; may be empty. */
  partNumber: string;
  /**
   * Serial, 1–30 characters of `A-Z 0-9 - /`; a leading `#` marks a serial
   * unique within the CAGE/DoDAAC alone (the `#` counts towards the 30).
   */
  serial: string;
}

/** A decoded ADI-var (header 0x3B), variable length. */
export interface AdiVar extends AdiFields {
  scheme: "adi-var";
  /** Filter value, 0–63 (6 bits, assigned by the US DoD). */
  filter: number;
  /** `urn:epc:id:adi:<cageOrDodaac>.<partNumber>.<serial>` (`/` and `#` percent-escaped). */
  pureIdentityUri: string;
  /** `urn:epc:tag:adi-var:<filter>.<cageOrDodaac>.<partNumber>.<serial>`. */
  tagUri: string;
}

const CAGE_OR_DODAAC = /^[0-9A-Z]{5,6}$/;
const PART_NUMBER = /^[0-9A-Z\-/]{0,32}$/;
const SERIAL = /^#?[0-9A-Z\-/]+$/;

/**
 * TDS Table A-2 (6-bit): a character is the low 6 bits of its ASCII code.
 * ADI strings use A–Z (0x01–0x1A), the digits (0x30–0x39), `-` (0x2D) and
 * `/` (0x2F); `#` (0x23) only as a serial's first character.
 */
function adiCharOf6(code: number): string | undefined {
  if (code >= 0x01 && code <= 0x1a) return String.fromCharCode(code + 0x40);
  if (code === 0x2d || code === 0x2f || (code >= 0x30 && code <= 0x39)) return String.fromCharCode(code);
  return undefined;
}

/** Reads 6-bit characters up to a zero; `max` characters at most. */
function readString6(reader: BitReader, max: number, what: string, hashFirst: boolean): EpcResult<string> {
  let text = "";
  for (;;) {
    if (reader.remaining < 6) return epcFail(EpcErrorCode.Length, `ADI-var ${what} runs past the end of the EPC`);
    const code = Number(reader.read(6));
    if (code === 0) return epcOk(text);
    const ch = hashFirst && text === "" && code === 0x23 ? "#" : adiCharOf6(code);
    if (ch === undefined) {
      return epcFail(EpcErrorCode.Serial, `ADI-var ${what} code 0x${code.toString(16)} is not an ADI character`);
    }
    text += ch;
    if (text.length > max) return epcFail(EpcErrorCode.Serial, `ADI-var ${what} is longer than ${max} characters`);
  }
}

/** Decodes the bits after an ADI-var header; the caller checks the EPC's length against the bits read. */
export function decodeAdiVar(reader: BitReader): EpcResult<AdiVar> {
  const filter = Number(reader.read(FILTER_BITS));
  if (reader.remaining < CAGE_CHARS * 6) return epcFail(EpcErrorCode.Length, "ADI-var CAGE/DoDAAC is cut short");
  const codes = Array.from({ length: CAGE_CHARS }, () => Number(reader.read(6)));
  // A 5-character CAGE code is stored after one space; a DoDAAC fills all six.
  const cageCodes = codes[0] === SPACE6 ? codes.slice(1) : codes;
  const cageOrDodaac = cageCodes.map((code) => adiCharOf6(code) ?? "?").join("");
  if (!CAGE_OR_DODAAC.test(cageOrDodaac)) {
    return epcFail(
      EpcErrorCode.Serial,
      `ADI-var CAGE/DoDAAC ${preview(cageOrDodaac)} is not 5–6 upper-case letters or digits`,
    );
  }
  const partNumber = readString6(reader, PART_MAX, "part number", false);
  if (!partNumber.ok) return partNumber;
  const serial = readString6(reader, SERIAL_MAX, "serial", true);
  if (!serial.ok) return serial;
  if (serial.value === "" || serial.value === "#") return epcFail(EpcErrorCode.Serial, "ADI-var serial is empty");
  const fields = { cageOrDodaac, partNumber: partNumber.value, serial: serial.value };
  const ids = adiUriComponents(fields);
  return epcOk({
    scheme: "adi-var",
    filter,
    ...fields,
    pureIdentityUri: `urn:epc:id:adi:${ids}`,
    tagUri: `urn:epc:tag:adi-var:${filter}.${ids}`,
  });
}

/**
 * Encodes ADI fields as ADI-var with a 6-bit filter (0–63): upper-case hex
 * of the bits the fields take, zero-padded to whole 16-bit words (TDS §15.1.1).
 */
export function encodeAdiVar(filter: number, fields: AdiFields): EpcResult<string> {
  if (!Number.isInteger(filter) || filter < 0 || filter > 63) {
    return epcFail(EpcErrorCode.Range, `ADI-var filter must be an integer 0–63, got ${String(filter)}`);
  }
  const { cageOrDodaac, partNumber, serial } = fields;
  if (!CAGE_OR_DODAAC.test(cageOrDodaac)) {
    return epcFail(
      EpcErrorCode.Serial,
      `ADI-var CAGE/DoDAAC must be 5–6 upper-case letters or digits, got ${preview(cageOrDodaac)}`,
    );
  }
  if (!PART_NUMBER.test(partNumber)) {
    return epcFail(
      EpcErrorCode.Serial,
      `ADI-var part number must be 0–${PART_MAX} characters of A-Z 0-9 - /, got ${preview(partNumber)}`,
    );
  }
  if (!SERIAL.test(serial) || serial.length > SERIAL_MAX) {
    return epcFail(
      EpcErrorCode.Serial,
      `ADI-var serial must be 1–${SERIAL_MAX} characters of A-Z 0-9 - /, "#" only first, got ${preview(serial)}`,
    );
  }
  const writer = new BitWriter().write(BigInt(ADIVAR_HEADER), 8).write(BigInt(filter), FILTER_BITS);
  const cage = cageOrDodaac.padStart(CAGE_CHARS, " ");
  for (const text of [cage, `${partNumber}\0`, `${serial}\0`]) {
    for (let i = 0; i < text.length; i++) writer.write(BigInt(text.charCodeAt(i) & 0x3f), 6);
  }
  return epcOk(writer.toHex(Math.ceil(writer.length / 16) * 16));
}

/** `<cageOrDodaac>.<partNumber>.<serial>` with `/` as %2F and `#` as %23 (TDS §6.3). */
function adiUriComponents(fields: AdiFields): string {
  const escapeAdi = (text: string) => text.replaceAll("#", "%23").replaceAll("/", "%2F");
  return `${fields.cageOrDodaac}.${escapeAdi(fields.partNumber)}.${escapeAdi(fields.serial)}`;
}

/** Reverses the URI escaping: only %2F and %23 exist in ADI URIs; a literal `/` or `#` is refused. */
function unescapeAdiComponent(text: string, what: string): EpcResult<string> {
  if (/[#/]/.test(text)) {
    return epcFail(EpcErrorCode.Uri, `ADI ${what} must percent-escape "#" and "/", got ${preview(text)}`);
  }
  const unescaped = text.replace(/%(2F|23)/gi, (match) => (match.toUpperCase() === "%2F" ? "/" : "#"));
  if (unescaped.includes("%")) {
    return epcFail(EpcErrorCode.Uri, `ADI ${what} may escape only "/" (%2F) and "#" (%23), got ${preview(text)}`);
  }
  return epcOk(unescaped);
}

/** Parses `<cageOrDodaac>.<partNumber>.<serial>` from an ADI URI (TDS §6.3); the part number may be empty. */
export function adiFieldsFromUri(components: string): EpcResult<AdiFields> {
  const parts = splitComponents(components, 3, false);
  if (!parts.ok) return parts;
  const [cageOrDodaac = "", rawPart = "", rawSerial = ""] = parts.value;
  const partNumber = unescapeAdiComponent(rawPart, "part number");
  if (!partNumber.ok) return partNumber;
  const serial = unescapeAdiComponent(rawSerial, "serial");
  if (!serial.ok) return serial;
  return epcOk({ cageOrDodaac, partNumber: partNumber.value, serial: serial.value });
}
