/** GID-96, TDS 2.x §14.5 (GID-96 coding table) and §6.3 (GID URI): the General Identifier, no GS1 key. */
import { type BitReader, BitWriter } from "../bits.js";
import { splitComponents } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk } from "../errors.js";
import { readInteger, writeInteger } from "../fields.js";

/** GID-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const GID96_HEADER = 0x35;

/** TDS §14.5, GID-96: three integers, no filter and no partition: 28 + 24 + 36 bits after the header. */
const MANAGER_BITS = 28;
const CLASS_BITS = 24;
const SERIAL_BITS = 36;

/** The identity fields of a GID, as they appear in its URIs (decimal numerals without leading zeros). */
export interface GidFields {
  /** General manager number, below 2^28. */
  managerNumber: string;
  /** Object class, below 2^24. */
  objectClass: string;
  /** Serial number, below 2^36. */
  serial: string;
}

/** A decoded GID-96 (header 0x35). GID has no filter value (TDS §10: not applicable). */
export interface Gid96 extends GidFields {
  scheme: "gid-96";
  /** `urn:epc:id:gid:<managerNumber>.<objectClass>.<serial>`. */
  pureIdentityUri: string;
  /** `urn:epc:tag:gid-96:<managerNumber>.<objectClass>.<serial>` (no filter: TDS §12.3.1). */
  tagUri: string;
}

/** Decodes the bits after a GID-96 header (TDS §14.4.1 Integer decoding for all three fields). */
export function decodeGid(reader: BitReader): EpcResult<Gid96> {
  const managerNumber = readInteger(reader, MANAGER_BITS);
  const objectClass = readInteger(reader, CLASS_BITS);
  const serial = readInteger(reader, SERIAL_BITS);
  const ids = `${managerNumber}.${objectClass}.${serial}`;
  return epcOk({
    scheme: "gid-96",
    managerNumber,
    objectClass,
    serial,
    pureIdentityUri: `urn:epc:id:gid:${ids}`,
    tagUri: `urn:epc:tag:gid-96:${ids}`,
  });
}

/**
 * An out-of-range manager number or object class is a field range error,
 * not a serial error: only the third field is the serial.
 */
function asRange<T>(result: EpcResult<T>): EpcResult<T> {
  return result.ok ? result : epcFail(EpcErrorCode.Range, result.error.message);
}

/** Encodes GID fields as GID-96 (TDS §14.3.1, §14.5); returns 24 upper-case hex digits. */
export function encodeGid(fields: GidFields): EpcResult<string> {
  const writer = new BitWriter().write(BigInt(GID96_HEADER), 8);
  const manager = asRange(writeInteger(writer, fields.managerNumber, MANAGER_BITS, "GID-96 manager number"));
  if (!manager.ok) return manager;
  const objectClass = asRange(writeInteger(writer, fields.objectClass, CLASS_BITS, "GID-96 object class"));
  if (!objectClass.ok) return objectClass;
  const serial = writeInteger(writer, fields.serial, SERIAL_BITS, "GID-96 serial");
  if (!serial.ok) return serial;
  return epcOk(writer.toHex(96));
}

/** Parses `<managerNumber>.<objectClass>.<serial>` from a GID URI (TDS §6.3); all numeric, no escapes. */
export function gidFieldsFromUri(components: string): EpcResult<GidFields> {
  const parts = splitComponents(components, 3, false);
  if (!parts.ok) return parts;
  const [managerNumber = "", objectClass = "", serial = ""] = parts.value;
  return epcOk({ managerNumber, objectClass, serial });
}
