/**
 * Encodes an EPC URI into hex, per TDS 2.x §15.1.1 (EPC tag URI into the
 * EPC bank), §14.3 (field encoding) and §14.5 (coding tables).
 */

import { MAX_EPC_HEX_DIGITS } from "./decode-epc.js";
import { parseEpcUri } from "./epc-uri.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "./errors.js";
import {
  EPC_BINARY_SCHEMES,
  type EpcBinaryScheme,
  type EpcType,
  isEpcBinaryScheme,
  SCHEMES_WITHOUT_FILTER,
} from "./headers.js";
import { adiFieldsFromUri, encodeAdiVar } from "./schemes/adi.js";
import { checkFilter } from "./schemes/common.js";
import { cpiFieldsFromUri, cpiVarFieldsFromUri, encodeCpi, encodeCpiVar } from "./schemes/cpi.js";
import { encodeGdti, gdtiFieldsFromUri } from "./schemes/gdti.js";
import { encodeGiai, giaiFieldsFromUri } from "./schemes/giai.js";
import { encodeGid, gidFieldsFromUri } from "./schemes/gid.js";
import { encodeGrai, graiFieldsFromUri } from "./schemes/grai.js";
import { encodeGsrn, gsrnFieldsFromUri } from "./schemes/gsrn.js";
import { encodeItip, itipFieldsFromUri } from "./schemes/itip.js";
import { encodeSgcn, sgcnFieldsFromUri } from "./schemes/sgcn.js";
import { encodeSgln, sglnFieldsFromUri } from "./schemes/sgln.js";
import { encodeSgtin, sgtinFieldsFromUri } from "./schemes/sgtin.js";
import { encodeSscc, ssccFieldsFromUri } from "./schemes/sscc.js";
import { encodeUsdod, usdodFieldsFromUri } from "./schemes/usdod.js";

/** What a pure identity URI does not say: which binary scheme, and which filter value. */
export interface EncodeEpcOptions {
  /** Binary scheme; defaults to the EPC type's 96-bit scheme ("sgtin-96" for `urn:epc:id:sgtin:…`). */
  scheme?: EpcBinaryScheme;
  /**
   * Filter value 0–7 (TDS §10.1). Defaults to 0, "all others", the one value
   * TDS defines for every scheme here; pass 1 for point-of-sale SGTINs.
   */
  filter?: number;
}

/** TDS §6: the 96-bit scheme a pure identity type encodes to unless told otherwise. */
const DEFAULT_SCHEME: Record<EpcType, EpcBinaryScheme> = {
  sgtin: "sgtin-96",
  sscc: "sscc-96",
  sgln: "sgln-96",
  grai: "grai-96",
  giai: "giai-96",
  gid: "gid-96",
  gsrn: "gsrn-96",
  gsrnp: "gsrnp-96",
  gdti: "gdti-96",
  sgcn: "sgcn-96",
  cpi: "cpi-96",
  itip: "itip-110",
  usdod: "usdod-96",
  adi: "adi-var",
};

/** TDS §10.1: filter 0 means "all others" in every scheme this codec encodes. */
export const DEFAULT_EPC_FILTER = 0;

const isEpcType = (name: string): name is EpcType => Object.hasOwn(DEFAULT_SCHEME, name);

/**
 * Encodes an EPC URI as upper-case hex: a tag URI
 * (`urn:epc:tag:sgtin-96:3.0614141.812345.6789`, which carries scheme and
 * filter), a pure identity URI (`urn:epc:id:sgtin:0614141.812345.6789`,
 * with `options` for scheme and filter), or a raw URI
 * (`urn:epc:raw:96.x…`). The hex is zero-padded to whole 16-bit words:
 * 96-bit schemes give 24 digits, SGTIN-198 52, CPI-var and ADI-var as many
 * as their fields take. GID-96 tag URIs have no filter. Never throws.
 *
 * Errors: `TALLY_ERR_EPC_URI` (malformed URI, options contradicting a tag
 * URI); `TALLY_ERR_EPC_HEADER` (unsupported scheme or EPC type, or a scheme
 * that cannot encode the URI's type); `TALLY_ERR_EPC_PARTITION` (company
 * prefix not 6–12 digits); `TALLY_ERR_EPC_RANGE` (filter, or a field with
 * the wrong digit count); `TALLY_ERR_EPC_SERIAL` (serial the scheme forbids).
 */
export function encodeEpc(uri: string, options: EncodeEpcOptions = {}): EpcResult<string> {
  const parsed = parseEpcUri(uri);
  if (!parsed.ok) return parsed;
  const p = parsed.value;
  switch (p.form) {
    case "raw": {
      if (Math.ceil(p.bits / 4) !== p.hex.length) {
        return epcFail(EpcErrorCode.Uri, `raw URI says ${p.bits} bits but has ${p.hex.length} hex digits`);
      }
      if (p.hex.length % 2 !== 0 || p.hex.length > MAX_EPC_HEX_DIGITS) {
        return epcFail(EpcErrorCode.Length, `raw EPC must be whole bytes up to 496 bits, got ${p.bits} bits`);
      }
      return epcOk(p.hex);
    }
    case "tag": {
      if (!isEpcBinaryScheme(p.scheme)) {
        return epcFail(EpcErrorCode.Header, `EPC scheme ${preview(p.scheme)} is not supported`);
      }
      if (SCHEMES_WITHOUT_FILTER.has(p.scheme)) {
        if (options.scheme !== undefined && options.scheme !== p.scheme) {
          return epcFail(
            EpcErrorCode.Uri,
            `tag URI is ${p.scheme} but options.scheme is ${preview(String(options.scheme))}`,
          );
        }
        if (options.filter !== undefined) {
          return epcFail(
            EpcErrorCode.Uri,
            `${p.scheme} has no filter value, but options.filter is ${String(options.filter)}`,
          );
        }
        // The parser took the first component for a filter; this scheme has none.
        return encodeComponents(p.scheme, DEFAULT_EPC_FILTER, `${p.filter}.${p.components}`);
      }
      if (!/^(0|[1-9][0-9]*)$/.test(p.filter)) {
        return epcFail(EpcErrorCode.Uri, `tag URI filter must be a digit, got ${preview(p.filter)}`);
      }
      const filter = Number(p.filter);
      if (options.scheme !== undefined && options.scheme !== p.scheme) {
        return epcFail(
          EpcErrorCode.Uri,
          `tag URI is ${p.scheme} but options.scheme is ${preview(String(options.scheme))}`,
        );
      }
      if (options.filter !== undefined && options.filter !== filter) {
        return epcFail(
          EpcErrorCode.Uri,
          `tag URI has filter ${filter} but options.filter is ${String(options.filter)}`,
        );
      }
      return encodeComponents(p.scheme, filter, p.components);
    }
    case "id": {
      if (!isEpcType(p.epcType)) {
        return epcFail(EpcErrorCode.Header, `EPC type ${preview(p.epcType)} is not supported`);
      }
      const scheme = options.scheme ?? DEFAULT_SCHEME[p.epcType];
      if (!isEpcBinaryScheme(scheme) || EPC_BINARY_SCHEMES[scheme].epcType !== p.epcType) {
        return epcFail(
          EpcErrorCode.Header,
          `scheme ${preview(String(scheme))} cannot encode an EPC of type ${p.epcType}`,
        );
      }
      return encodeComponents(scheme, options.filter ?? DEFAULT_EPC_FILTER, p.components);
    }
  }
}

function encodeComponents(scheme: EpcBinaryScheme, filterValue: number, components: string): EpcResult<string> {
  if (scheme === "usdod-96") {
    // USDOD-96's filter has 4 bits (0–15); encodeUsdod checks it.
    const fields = usdodFieldsFromUri(components);
    return fields.ok ? encodeUsdod(filterValue, fields.value) : fields;
  }
  if (scheme === "adi-var") {
    // ADI-var's filter has 6 bits (0–63); encodeAdiVar checks it.
    const fields = adiFieldsFromUri(components);
    return fields.ok ? encodeAdiVar(filterValue, fields.value) : fields;
  }
  const filter = checkFilter(filterValue);
  if (!filter.ok) return filter;
  switch (scheme) {
    case "sgtin-96":
    case "sgtin-198": {
      const fields = sgtinFieldsFromUri(components);
      return fields.ok ? encodeSgtin(scheme, filter.value, fields.value) : fields;
    }
    case "sscc-96": {
      const fields = ssccFieldsFromUri(components);
      return fields.ok ? encodeSscc(filter.value, fields.value) : fields;
    }
    case "sgln-96":
    case "sgln-195": {
      const fields = sglnFieldsFromUri(components);
      return fields.ok ? encodeSgln(scheme, filter.value, fields.value) : fields;
    }
    case "grai-96":
    case "grai-170": {
      const fields = graiFieldsFromUri(components);
      return fields.ok ? encodeGrai(scheme, filter.value, fields.value) : fields;
    }
    case "giai-96":
    case "giai-202": {
      const fields = giaiFieldsFromUri(components);
      return fields.ok ? encodeGiai(scheme, filter.value, fields.value) : fields;
    }
    case "gsrn-96":
    case "gsrnp-96": {
      const fields = gsrnFieldsFromUri(components);
      return fields.ok ? encodeGsrn(scheme, filter.value, fields.value) : fields;
    }
    case "gdti-96":
    case "gdti-174": {
      const fields = gdtiFieldsFromUri(components);
      return fields.ok ? encodeGdti(scheme, filter.value, fields.value) : fields;
    }
    case "sgcn-96": {
      const fields = sgcnFieldsFromUri(components);
      return fields.ok ? encodeSgcn(filter.value, fields.value) : fields;
    }
    case "cpi-96": {
      const fields = cpiFieldsFromUri(components);
      return fields.ok ? encodeCpi(filter.value, fields.value) : fields;
    }
    case "cpi-var": {
      const fields = cpiVarFieldsFromUri(components);
      return fields.ok ? encodeCpiVar(filter.value, fields.value) : fields;
    }
    case "itip-110":
    case "itip-212": {
      const fields = itipFieldsFromUri(components);
      return fields.ok ? encodeItip(scheme, filter.value, fields.value) : fields;
    }
    case "gid-96": {
      const fields = gidFieldsFromUri(components);
      return fields.ok ? encodeGid(fields.value) : fields;
    }
  }
}
