/** SSCC-96, TDS 2.x §14.5.2 (coding table), §6.3.2 (URI) and §7.4 (SSCC correspondence). */
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { type BitReader, BitWriter } from "../bits.js";
import { digitsComponent, splitComponents } from "../epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk } from "../errors.js";
import { readPartitioned, writePartitioned } from "../fields.js";
import { SSCC_PARTITIONS } from "../partition-tables.js";
import { readFilterAndPartition, rowForCompanyPrefix } from "./common.js";

/** SSCC-96 header byte (TDS 2.x §14.2, Table 14-1). */
export const SSCC96_HEADER = 0x31;

/** TDS §14.5.2: SSCC-96 ends with 24 unallocated bits, which must be zero. */
const UNALLOCATED_BITS = 24;

/** The identity fields of an SSCC, as they appear in its URIs. */
export interface SsccFields {
  /** GS1 company prefix, 6–12 digits. */
  companyPrefix: string;
  /** Extension digit followed by the serial reference; 17 digits together with the company prefix. */
  serialReference: string;
}

/** A decoded SSCC-96 (header 0x31). */
export interface Sscc96 extends SsccFields {
  scheme: "sscc-96";
  /** Filter value, 0–7 (TDS §10.1: 2 = full case, 6 = unit load, 0 = all others). */
  filter: number;
  /** Partition value, 0–6 (TDS §14.5.2). */
  partition: number;
  /** The 18-digit SSCC with its computed check digit (GS1 AI 00). */
  sscc: string;
  /** `urn:epc:id:sscc:<companyPrefix>.<serialReference>`. */
  pureIdentityUri: string;
  /** `urn:epc:tag:sscc-96:<filter>.<companyPrefix>.<serialReference>`. */
  tagUri: string;
}

/** Decodes the bits after an SSCC-96 header. */
export function decodeSscc(reader: BitReader): EpcResult<Sscc96> {
  const fp = readFilterAndPartition(reader, SSCC_PARTITIONS, "SSCC");
  if (!fp.ok) return fp;
  const { filter, row } = fp.value;
  const digits = readPartitioned(reader, row, "serial reference");
  if (!digits.ok) return digits;
  if (reader.read(UNALLOCATED_BITS) !== 0n) {
    return epcFail(EpcErrorCode.Range, "SSCC-96 unallocated bits 72–95 must be zero");
  }
  const { companyPrefix, reference: serialReference } = digits.value;
  // TDS §7.4: SSCC = extension digit, company prefix, rest of serial reference, check digit.
  const body = serialReference.slice(0, 1) + companyPrefix + serialReference.slice(1);
  const ids = `${companyPrefix}.${serialReference}`;
  return epcOk({
    scheme: "sscc-96",
    filter,
    partition: row.partition,
    companyPrefix,
    serialReference,
    sscc: body + String(gs1CheckDigit(body)),
    pureIdentityUri: `urn:epc:id:sscc:${ids}`,
    tagUri: `urn:epc:tag:sscc-96:${filter}.${ids}`,
  });
}

/** Encodes SSCC fields as SSCC-96 (TDS §14.5.2); returns 24 upper-case hex digits. */
export function encodeSscc(filter: number, fields: SsccFields): EpcResult<string> {
  const row = rowForCompanyPrefix(SSCC_PARTITIONS, fields.companyPrefix, "SSCC");
  if (!row.ok) return row;
  const writer = new BitWriter()
    .write(BigInt(SSCC96_HEADER), 8)
    .write(BigInt(filter), 3)
    .write(BigInt(row.value.partition), 3);
  const ref = writePartitioned(writer, row.value, fields.companyPrefix, fields.serialReference, "serial reference");
  if (!ref.ok) return ref;
  return epcOk(writer.write(0n, UNALLOCATED_BITS).toHex(96));
}

/** Parses `<companyPrefix>.<serialReference>` from an SSCC URI (TDS §6.3.2). */
export function ssccFieldsFromUri(components: string): EpcResult<SsccFields> {
  const parts = splitComponents(components, 2, false);
  if (!parts.ok) return parts;
  const [cp = "", sr = ""] = parts.value;
  const companyPrefix = digitsComponent(cp, "company prefix");
  if (!companyPrefix.ok) return companyPrefix;
  const serialReference = digitsComponent(sr, "serial reference");
  if (!serialReference.ok) return serialReference;
  return epcOk({ companyPrefix: companyPrefix.value, serialReference: serialReference.value });
}
