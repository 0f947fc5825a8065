/**
 * GSRN-96 and GSRNP-96, TDS 2.x §14.5 (coding tables), §6.3 (URIs) and §7
 * (GSRN correspondence): a service relation recipient (AI 8018) or provider (AI 8017).
 */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, splitComponents } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk } from "../errors.js";
import { readPartitioned, writePartitioned } from "../fields.js";
import { GSRN_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** GSRN-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const GSRN96_HEADER = 0x2d;
/** GSRNP-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const GSRNP96_HEADER = 0x2e;

/** The GSRN binary schemes: recipient (`gsrn`) and provider (`gsrnp`) share one layout. */
export type GsrnScheme = "gsrn-96" | "gsrnp-96";

/** TDS §14.5: both end with 24 reserved bits, which must be zero. */
const RESERVED_BITS = 24;

/** The identity fields of a GSRN or GSRNP, as they appear in its URIs. */
export interface GsrnFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Service reference; 17 digits together with the company prefix. */
  serviceReference: string;
}

interface DecodedGsrn extends GsrnFields {
  /** Filter value, 0–7 (TDS §10: 0 = all others). */
  filter: number;
  /** Partition value, 0–6. */
  partition: number;
  /** The 18-digit GSRN with its computed check digit (GS1 AI 8018 for GSRN, 8017 for GSRNP). */
  gsrn: string;
  /** `urn:epc:id:gsrn:<companyPrefix>.<serviceReference>` (`gsrnp` for the provider). */
  pureIdentityUri: string;
  /** `urn:epc:tag:<scheme>:<filter>.<companyPrefix>.<serviceReference>`. */
  tagUri: string;
}

/** A decoded GSRN-96 (header 0x2D): service relation recipient. */
export interface Gsrn96 extends DecodedGsrn {
  scheme: "gsrn-96";
}

/** A decoded GSRNP-96 (header 0x2E): service relation provider. */
export interface Gsrnp96 extends DecodedGsrn {
  scheme: "gsrnp-96";
}

const EPC_TYPE = { "gsrn-96": "gsrn", "gsrnp-96": "gsrnp" } as const;

/** Decodes the bits after a GSRN or GSRNP header. */
export function decodeGsrn(reader: BitReader, scheme: GsrnScheme): EpcResult<Gsrn96 | Gsrnp96> {
  const fp = readFilterAndPartition(reader, GSRN_PARTITIONS, scheme.toUpperCase());
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "service reference");
  if (!digits.ok) return digits;
  if (reader.read(RESERVED_BITS) !== 0n) {
    return epcFail(EpcErrorCode.Range, `${scheme.toUpperCase()} reserved bits 72–95 must be zero`);
  }
  const { companyPrefix, reference: serviceReference } = digits.value;
  // TDS §7: GSRN = company prefix, service reference, check digit.
  const body = companyPrefix + serviceReference;
  const ids = `${companyPrefix}.${serviceReference}`;
  const common = {
    filter,
    partition: row.partition,
    companyPrefix,
    serviceReference,
    gsrn: body + String(gs1CheckDigit(body)),
    pureIdentityUri: `urn:epc:id:${EPC_TYPE[scheme]}:${ids}`,
    tagUri: `urn:epc:tag:${scheme}:${filter}.${ids}`,
  };
  // Two branches so each result carries its literal scheme type.
  return epcOk(scheme === "gsrn-96" ? { scheme, ...common } : { scheme, ...common });
}

/** Encodes GSRN fields as GSRN-96 or GSRNP-96; returns 24 upper-case hex digits. */
export function encodeGsrn(scheme: GsrnScheme, filter: number, fields: GsrnFields): EpcResult<string> {
  const row = rowForCompanyPrefix(GSRN_PARTITIONS, fields.companyPrefix, scheme.toUpperCase());
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(scheme === "gsrn-96" ? GSRN96_HEADER : GSRNP96_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3);
  const ref = writePartitioned(writer, row.value, fields.companyPrefix, fields.serviceReference, "service reference");
  if (!ref.ok) return ref;
  return epcOk(writer.write(0n, RESERVED_BITS).toHex(96));
}

/** Parses `<companyPrefix>.<serviceReference>` from a GSRN or GSRNP URI (TDS §6.3). */
export function gsrnFieldsFromUri(components: string): EpcResult<GsrnFields> {
  const parts = splitComponents(components, 2, false);
  if (!parts.ok) return parts;
  const [cp = "", sr = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  const serviceReference = digitsComponent(sr, "service reference");
  if (!serviceReference.ok) return serviceReference;
  return epcOk({ companyPrefix: companyPrefix.value, serviceReference: serviceReference.value });
}
