/**
 * The EPC binary schemes this codec implements, keyed by their TDS names,
 * with header byte, length and EPC type (TDS 2.x §14.2, Table 14-1).
 */

import { ADIVAR_HEADER, ADIVAR_MAX_BITS } from "./schemes/adi.js";
import { CPI96_HEADER, CPIVAR_HEADER } from "./schemes/cpi.js";
import { GDTI96_HEADER, GDTI174_HEADER } from "./schemes/gdti.js";
import { GIAI96_HEADER, GIAI202_HEADER } from "./schemes/giai.js";
import { GID96_HEADER } from "./schemes/gid.js";
import { GRAI96_HEADER, GRAI170_HEADER } from "./schemes/grai.js";
import { GSRN96_HEADER, GSRNP96_HEADER } from "./schemes/gsrn.js";
import { ITIP110_HEADER, ITIP212_HEADER } from "./schemes/itip.js";
import { SGCN96_HEADER } from "./schemes/sgcn.js";
import { SGLN96_HEADER, SGLN195_HEADER } from "./schemes/sgln.js";
import { SGTIN96_HEADER, SGTIN198_HEADER } from "./schemes/sgtin.js";
import { SSCC96_HEADER } from "./schemes/sscc.js";
import { USDOD96_HEADER } from "./schemes/usdod.js";

/** Header byte, EPC length in bits, and pure-identity EPC type of each supported binary scheme. */
export const EPC_BINARY_SCHEMES = {
  "sgtin-96": { header: SGTIN96_HEADER, bits: 96, epcType: "sgtin" },
  "sscc-96": { header: SSCC96_HEADER, bits: 96, epcType: "sscc" },
  "sgln-96": { header: SGLN96_HEADER, bits: 96, epcType: "sgln" },
  "grai-96": { header: GRAI96_HEADER, bits: 96, epcType: "grai" },
  "giai-96": { header: GIAI96_HEADER, bits: 96, epcType: "giai" },
  "gid-96": { header: GID96_HEADER, bits: 96, epcType: "gid" },
  "usdod-96": { header: USDOD96_HEADER, bits: 96, epcType: "usdod" },
  "gsrn-96": { header: GSRN96_HEADER, bits: 96, epcType: "gsrn" },
  "gsrnp-96": { header: GSRNP96_HEADER, bits: 96, epcType: "gsrnp" },
  "gdti-96": { header: GDTI96_HEADER, bits: 96, epcType: "gdti" },
  "sgcn-96": { header: SGCN96_HEADER, bits: 96, epcType: "sgcn" },
  "cpi-96": { header: CPI96_HEADER, bits: 96, epcType: "cpi" },
  "itip-110": { header: ITIP110_HEADER, bits: 110, epcType: "itip" },
  "itip-212": { header: ITIP212_HEADER, bits: 212, epcType: "itip" },
  // Variable length: `bits` is the longest (partition 6, 24 characters); see VARIABLE_LENGTH_SCHEMES.
  "cpi-var": { header: CPIVAR_HEADER, bits: 224, epcType: "cpi" },
  "gdti-174": { header: GDTI174_HEADER, bits: 174, epcType: "gdti" },
  "sgtin-198": { header: SGTIN198_HEADER, bits: 198, epcType: "sgtin" },
  "sgln-195": { header: SGLN195_HEADER, bits: 195, epcType: "sgln" },
  "grai-170": { header: GRAI170_HEADER, bits: 170, epcType: "grai" },
  "giai-202": { header: GIAI202_HEADER, bits: 202, epcType: "giai" },
  // Variable length: `bits` is the longest (32-character part number, 30-character serial).
  "adi-var": { header: ADIVAR_HEADER, bits: ADIVAR_MAX_BITS, epcType: "adi" },
} as const;

/** A supported EPC binary scheme name, as in the tag URI: "sgtin-96", "sscc-96", "sgln-96", "grai-96", "giai-96", "gid-96", "gsrn-96", "gsrnp-96", "gdti-96", "sgcn-96", "cpi-96", "sgtin-198", "sgln-195", "grai-170", "giai-202", "gdti-174", "cpi-var", "itip-110", "itip-212", "adi-var". */
export type EpcBinaryScheme = keyof typeof EPC_BINARY_SCHEMES;

/** A pure-identity EPC type this codec can encode: "sgtin", "sscc", "sgln", "grai", "giai", "gid", "gsrn", "gsrnp", "gdti", "sgcn", "cpi", "itip", "usdod", "adi". */
export type EpcType = (typeof EPC_BINARY_SCHEMES)[EpcBinaryScheme]["epcType"];

const SCHEMES = Object.keys(EPC_BINARY_SCHEMES) as EpcBinaryScheme[];

/** True when `name` is a supported binary scheme name. */
export function isEpcBinaryScheme(name: string): name is EpcBinaryScheme {
  return Object.hasOwn(EPC_BINARY_SCHEMES, name);
}

/** The supported scheme whose header byte is `header`, if any. */
export function schemeForHeader(header: number): EpcBinaryScheme | undefined {
  return SCHEMES.find((scheme) => EPC_BINARY_SCHEMES[scheme].header === header);
}

/**
 * Hex digits an EPC of `bits` bits occupies in a Gen2 EPC bank: the bits
 * rounded up to whole 16-bit words (TDS §15.1.1; 96 → 24, 198 → 52).
 */
export function wordPaddedHexLength(bits: number): number {
  return Math.ceil(bits / 16) * 4;
}

/**
 * Schemes whose tag URI has no filter value (TDS §12.3.1: GID-96 is
 * `urn:epc:tag:gid-96:<manager>.<class>.<serial>`).
 */
export const SCHEMES_WITHOUT_FILTER: ReadonlySet<EpcBinaryScheme> = new Set<EpcBinaryScheme>(["gid-96"]);

/**
 * Schemes whose length depends on their content (TDS §14.5: CPI-var's part
 * reference and ADI-var's part number and serial are zero-terminated
 * strings): the decoder checks the EPC's length against the bits the fields
 * took, not against `bits`.
 */
export const VARIABLE_LENGTH_SCHEMES: ReadonlySet<EpcBinaryScheme> = new Set<EpcBinaryScheme>(["cpi-var", "adi-var"]);
