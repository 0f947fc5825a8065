import { isDigitalLinkPrimaryKey, lookupAi } from "./ai-table.js";
import type { Gs1ElementInput } from "./format-bracketed.js";
import { type Gs1FormatResult, Gs1ProblemCode } from "./gs1-result.js";

/** RFC 3986 §2.3: unreserved characters stay; everything else is percent-encoded. */
function percentEncode(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (/^[A-Za-z0-9\-._~]$/.test(c)) out += c;
    else out += `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Writes elements as an uncompressed GS1 Digital Link URI (GS1 Digital Link
 * Standard: URI Syntax): the first element that is a primary key and its key
 * qualifiers, in the key's order, as the path under `base`; every other
 * element as a query parameter, in the given order. Refuses elements without a
 * primary key, and a second primary key.
 */
export function elementsToDigitalLink(
  elements: readonly Gs1ElementInput[],
  base = "https://id.gs1.org",
): Gs1FormatResult {
  const stem = base.replace(/\/+$/, "");
  if (!/^(https?|HTTPS?):\/\/[^/?#]+/.test(stem)) {
    return {
      ok: false,
      errors: [{ code: Gs1ProblemCode.DlScheme, message: "base must be an http:// or https:// URI", position: 0 }],
    };
  }
  const keyIndex = elements.findIndex((element) => isDigitalLinkPrimaryKey(element.ai));
  const key = elements[keyIndex];
  if (!key) {
    return {
      ok: false,
      errors: [
        { code: Gs1ProblemCode.DlNoPrimaryKey, message: "no element is a GS1 Digital Link primary key", position: 0 },
      ],
    };
  }
  // Of the key's alternative qualifier orders, take the one that places the most elements.
  const alternatives = lookupAi(key.ai)?.dlQualifiers ?? [];
  let order: readonly string[] = [];
  let placed = -1;
  for (const alternative of alternatives) {
    const count = alternative.filter((ai) => elements.some((e) => e.ai === ai)).length;
    if (count > placed) {
      placed = count;
      order = alternative;
    }
  }
  let path = `/${key.ai}/${percentEncode(key.raw)}`;
  const inPath = new Set<number>([keyIndex]);
  for (const qualifier of order) {
    const index = elements.findIndex((e) => e.ai === qualifier);
    const element = elements[index];
    if (!element) continue;
    inPath.add(index);
    path += `/${element.ai}/${percentEncode(element.raw)}`;
  }
  const query: string[] = [];
  for (const [index, element] of elements.entries()) {
    if (inPath.has(index)) continue;
    if (isDigitalLinkPrimaryKey(element.ai)) {
      return {
        ok: false,
        errors: [
          {
            code: Gs1ProblemCode.DlQueryAi,
            message: `a second primary key (${element.ai}) has no place in a Digital Link with (${key.ai})`,
            position: 0,
            ai: element.ai,
          },
        ],
      };
    }
    query.push(`${element.ai}=${percentEncode(element.raw)}`);
  }
  return { ok: true, value: stem + path + (query.length > 0 ? `?${query.join("&")}` : "") };
}
