/**
 * Decodes a hex EPC (the Gen2 EPC bank after the PC word) into its fields
 * and URIs, per TDS 2.x §14.4 (field decoding), §14.5 (coding tables) and
 * §12.3 (raw URI for EPCs that are not GS1-encoded).
 */
import { BitReader } from "./bits.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "./errors.js";
import {
  EPC_BINARY_SCHEMES,
  type EpcBinaryScheme,
  schemeForHeader,
  VARIABLE_LENGTH_SCHEMES,
  wordPaddedHexLength,
} from "./headers.js";
import { type AdiVar, decodeAdiVar } from "./schemes/adi.js";
import { type Cpi96, type CpiVar, decodeCpi, decodeCpiVar } from "./schemes/cpi.js";
import { decodeGdti, type Gdti96, type Gdti174 } from "./schemes/gdti.js";
import { decodeGiai, type Giai96, type Giai202 } from "./schemes/giai.js";
import { decodeGid, type Gid96 } from "./schemes/gid.js";
import { decodeGrai, type Grai96, type Grai170 } from "./schemes/grai.js";
import { decodeGsrn, type Gsrn96, type Gsrnp96 } from "./schemes/gsrn.js";
import { decodeItip, type Itip110, type Itip212 } from "./schemes/itip.js";
import { decodeSgcn, type Sgcn96 } from "./schemes/sgcn.js";
import { decodeSgln, type Sgln96, type Sgln195 } from "./schemes/sgln.js";
import { decodeSgtin, type Sgtin96, type Sgtin198 } from "./schemes/sgtin.js";
import { decodeSscc, type Sscc96 } from "./schemes/sscc.js";
import { decodeUsdod, type Usdod96 } from "./schemes/usdod.js";

/** An EPC whose header is not one of the supported GS1 schemes, kept as its bits (TDS §12.3 raw URI). */
export interface RawEpc {
  scheme: "raw";
  /** The EPC as upper-case hex. */
  hex: string;
  /** Its length in bits (4 per hex digit). */
  bits: number;
  /** `urn:epc:raw:<bits>.x<HEX>` (TDS §12.4 grammar, hex form). */
  pureIdentityUri: string;
}

/** Any decoded EPC; switch on `scheme`. */
export type DecodedEpc =
  | Sgtin96
  | Sgtin198
  | Sscc96
  | Sgln96
  | Sgln195
  | Grai96
  | Grai170
  | Giai96
  | Giai202
  | Gid96
  | Gsrn96
  | Gsrnp96
  | Gdti96
  | Gdti174
  | Sgcn96
  | Cpi96
  | CpiVar
  | Itip110
  | Itip212
  | Usdod96
  | AdiVar
  | RawEpc;

/** Gen2 PC word length field: at most 31 words, so an EPC has at most 496 bits = 124 hex digits. */
export const MAX_EPC_HEX_DIGITS = 124;

/**
 * Hex lengths accepted for an EPC of `bits` bits: padded to whole 16-bit
 * words (as readers report it; SGTIN-198 52 digits) or to whole bytes (as
 * in TDS Annex E.3; SGTIN-198 50). Padding bits must be zero.
 */
function acceptedHexLengths(bits: number): readonly number[] {
  const bytePadded = Math.ceil(bits / 8) * 2;
  const wordPadded = wordPaddedHexLength(bits);
  return bytePadded === wordPadded ? [wordPadded] : [bytePadded, wordPadded];
}

/**
 * ADI-var's hex lengths: as for any scheme, plus padded to whole hex digits
 * only, as TDS Annex E writes its ADI-var example (146 bits in 37 digits).
 */
function acceptedAdiHexLengths(bits: number): readonly number[] {
  const nibblePadded = Math.ceil(bits / 4);
  const lengths = acceptedHexLengths(bits);
  return lengths.includes(nibblePadded) ? lengths : [nibblePadded, ...lengths];
}

/**
 * Decodes a hex EPC (case-insensitive) into its scheme's fields, GS1 key (where
 * the scheme has one) and URIs. Schemes: every key of
 * {@link EPC_BINARY_SCHEMES}; other headers (anything unassigned) decode as
 * {@link RawEpc}, not as an error. Never throws.
 *
 * Errors: `TALLY_ERR_EPC_NOT_HEX`; `TALLY_ERR_EPC_LENGTH` (empty, odd, over
 * 496 bits, not the scheme's length, or for CPI-var and ADI-var not the
 * length their fields take; an odd number of hex digits only for ADI-var); `TALLY_ERR_EPC_PARTITION` (partition 7);
 * `TALLY_ERR_EPC_RANGE` (a field with more digits than its partition
 * allows, non-zero unallocated or padding bits); `TALLY_ERR_EPC_SERIAL` (a
 * string field that is empty, too long, has characters outside its table,
 * or non-zero bits after its end; an SGCN serial not in Numeric String form).
 */
export function decodeEpc(hex: string): EpcResult<DecodedEpc> {
  if (hex.length === 0) return epcFail(EpcErrorCode.Length, "EPC is empty");
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return epcFail(EpcErrorCode.NotHex, `EPC must be hexadecimal, got ${preview(hex)}`);
  if (hex.length > MAX_EPC_HEX_DIGITS) {
    return epcFail(EpcErrorCode.Length, `EPC is at most 496 bits (124 hex digits), got ${hex.length} hex digits`);
  }
  const upper = hex.toUpperCase();
  const reader = BitReader.fromHex(upper);
  const header = upper.length >= 2 ? Number(reader.read(8)) : -1;
  const scheme = schemeForHeader(header);
  if (hex.length % 2 !== 0 && scheme !== "adi-var")
    return epcFail(EpcErrorCode.Length, `EPC must be whole bytes, got ${hex.length} hex digits`);
  if (scheme === undefined) {
    const bits = upper.length * 4;
    return epcOk({ scheme: "raw", hex: upper, bits, pureIdentityUri: `urn:epc:raw:${bits}.x${upper}` });
  }
  const variable = VARIABLE_LENGTH_SCHEMES.has(scheme);
  const lengths = acceptedHexLengths(EPC_BINARY_SCHEMES[scheme].bits);
  if (!variable && !lengths.includes(upper.length)) {
    return epcFail(
      EpcErrorCode.Length,
      `header 0x${upper.slice(0, 2)} is ${scheme}: ${lengths.join(" or ")} hex digits, got ${upper.length}`,
    );
  }
  const decoded = decodeScheme(reader, scheme);
  if (!decoded.ok) return decoded;
  const used = upper.length * 4 - reader.remaining;
  const usedLengths = scheme === "adi-var" ? acceptedAdiHexLengths(used) : acceptedHexLengths(used);
  if (variable && !usedLengths.includes(upper.length)) {
    return epcFail(
      EpcErrorCode.Length,
      `this ${scheme} EPC takes ${used} bits: ${usedLengths.join(" or ")} hex digits, got ${upper.length}`,
    );
  }
  const padding = reader.remaining;
  if (padding > 0 && reader.read(padding) !== 0n) {
    return epcFail(EpcErrorCode.Range, `${scheme} padding bits after bit ${used} must be zero`);
  }
  return decoded;
}

function decodeScheme(reader: BitReader, scheme: EpcBinaryScheme): EpcResult<DecodedEpc> {
  switch (scheme) {
    case "sgtin-96":
    case "sgtin-198":
      return decodeSgtin(reader, scheme);
    case "sscc-96":
      return decodeSscc(reader);
    case "sgln-96":
    case "sgln-195":
      return decodeSgln(reader, scheme);
    case "grai-96":
    case "grai-170":
      return decodeGrai(reader, scheme);
    case "giai-96":
    case "giai-202":
      return decodeGiai(reader, scheme);
    case "gid-96":
      return decodeGid(reader);
    case "gsrn-96":
    case "gsrnp-96":
      return decodeGsrn(reader, scheme);
    case "gdti-96":
    case "gdti-174":
      return decodeGdti(reader, scheme);
    case "sgcn-96":
      return decodeSgcn(reader);
    case "cpi-96":
      return decodeCpi(reader);
    case "cpi-var":
      return decodeCpiVar(reader);
    case "itip-110":
    case "itip-212":
      return decodeItip(reader, scheme);
    case "usdod-96":
      return decodeUsdod(reader);
    case "adi-var":
      return decodeAdiVar(reader);
  }
}
