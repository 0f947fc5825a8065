/**
 * EPC URI syntax, TDS 2.x §5 (common grammar), §6 (pure identity URI) and
 * §12 (tag URI and raw URI): splitting a URI into its parts, and the
 * percent-escaping of alphanumeric components (GS3A3Component).
 */
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "./errors.js";
import { isGs1Char82 } from "./fields.js";

/** An EPC URI split into its form, its scheme or EPC type, and the dotted components after it. */
export type ParsedEpcUri =
  /** `urn:epc:tag:<scheme>:<filter>.<components>` (TDS §12.2); `scheme` is lower case, e.g. "sgtin-96". */
  | { form: "tag"; scheme: string; filter: string; components: string }
  /** `urn:epc:id:<type>:<components>` (TDS §6); `epcType` is lower case, e.g. "sgtin". */
  | { form: "id"; epcType: string; components: string }
  /** `urn:epc:raw:<bits>.x<HEX>` (TDS §12.3); `bits` is the EPC length in bits. */
  | { form: "raw"; bits: number; hex: string };

const URI = /^urn:epc:(id|tag|raw):(?:([a-z0-9-]+):)?(.*)$/is;
const RAW_BODY = /^([1-9][0-9]{0,3})\.x([0-9A-Fa-f]+)$/;

/** Splits an EPC URI into form, scheme/type and components; refuses anything else with `TALLY_ERR_EPC_URI`. */
export function parseEpcUri(uri: string): EpcResult<ParsedEpcUri> {
  const match = URI.exec(uri);
  const form = match?.[1]?.toLowerCase();
  const name = match?.[2]?.toLowerCase();
  const rest = match?.[3] ?? "";
  if (form === "raw") {
    // TDS §12.4 grammar: RawURI ::= "urn:epc:raw:" Length ".x" HexComponent (the AFI form is not supported).
    const raw = name === undefined ? RAW_BODY.exec(rest) : null;
    if (raw === null)
      return epcFail(EpcErrorCode.Uri, `raw EPC URI must be urn:epc:raw:<bits>.x<hex>, got ${preview(uri)}`);
    return epcOk({ form: "raw", bits: Number(raw[1]), hex: (raw[2] ?? "").toUpperCase() });
  }
  if (form === undefined || name === undefined || rest === "") {
    return epcFail(EpcErrorCode.Uri, `not an EPC URI (urn:epc:id:… or urn:epc:tag:…): ${preview(uri)}`);
  }
  if (form === "id") return epcOk({ form: "id", epcType: name, components: rest });
  const dot = rest.indexOf(".");
  if (dot < 0) return epcFail(EpcErrorCode.Uri, `EPC tag URI needs <filter>.<components>, got ${preview(uri)}`);
  return epcOk({ form: "tag", scheme: name, filter: rest.slice(0, dot), components: rest.slice(dot + 1) });
}

/**
 * Splits dotted URI components into exactly `count` parts. When
 * `lastIsAlphanumeric`, the last part takes the rest, dots included (TDS §5:
 * "." is allowed inside a GS3A3Component); otherwise any extra dot is an error.
 */
export function splitComponents(components: string, count: number, lastIsAlphanumeric: boolean): EpcResult<string[]> {
  const parts = components.split(".");
  if (parts.length < count || (!lastIsAlphanumeric && parts.length > count)) {
    return epcFail(EpcErrorCode.Uri, `expected ${count} dot-separated components, got ${preview(components)}`);
  }
  return epcOk([...parts.slice(0, count - 1), parts.slice(count - 1).join(".")]);
}

/** Checks a digits-only URI component (TDS §5 PaddedNumericComponent, possibly empty) and returns it. */
export function digitsComponent(text: string, what: string): EpcResult<string> {
  return /^[0-9]*$/.test(text)
    ? epcOk(text)
    : epcFail(EpcErrorCode.Uri, `${what} must be decimal digits, got ${preview(text)}`);
}

/** TDS §5 GS3A3Component: characters that may appear unescaped (besides letters and digits). */
const UNESCAPED_OTHER = new Set(["!", "'", "(", ")", "*", "+", ",", "-", ".", ":", ";", "=", "_"]);

const isAlnum = (code: number): boolean =>
  (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);

/**
 * Percent-escapes a GS1 alphanumeric value for an EPC URI, per TDS 2.x
 * Appendix A, Table A-1 ("URI form"): `"` `%` `&` `/` `<` `>` `?` become
 * %22 %25 %26 %2F %3C %3E %3F; every other Table A-1 character stays as is.
 */
export function escapeEpcUriComponent(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    out +=
      isAlnum(code) || UNESCAPED_OTHER.has(ch) || !isGs1Char82(code)
        ? ch
        : `%${code.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Reverses {@link escapeEpcUriComponent}: checks the TDS §5 GS3A3Component
 * grammar and resolves %XX escapes (hex digits in either case). A character
 * that should have been escaped, or a malformed escape, is `TALLY_ERR_EPC_URI`;
 * a character outside Table A-1 (literal or escaped) is `TALLY_ERR_EPC_SERIAL`.
 */
export function unescapeEpcUriComponent(text: string, what: string): EpcResult<string> {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    const code = text.charCodeAt(i);
    if (ch === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        return epcFail(EpcErrorCode.Uri, `${what} has a malformed percent-escape at position ${i}: ${preview(text)}`);
      }
      const escaped = Number.parseInt(hex, 16);
      if (!isGs1Char82(escaped)) {
        return epcFail(EpcErrorCode.Serial, `${what} escape %${hex} is not a TDS Table A-1 character`);
      }
      out += String.fromCharCode(escaped);
      i += 2;
    } else if (isAlnum(code) || UNESCAPED_OTHER.has(ch)) {
      out += ch;
    } else if (isGs1Char82(code)) {
      return epcFail(EpcErrorCode.Uri, `${what} must percent-escape ${JSON.stringify(ch)} (TDS Table A-1)`);
    } else {
      return epcFail(EpcErrorCode.Serial, `${what} character ${preview(ch)} is not in TDS Table A-1`);
    }
  }
  return epcOk(out);
}
