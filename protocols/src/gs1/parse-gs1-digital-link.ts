import { isDigitalLinkPrimaryKey, lookupAi } from "./ai-table.js";
import { checkDuplicates, type DecodeContext, decodeElement, referenceYearOf } from "./decode-element.js";
import {
  type Gs1Element,
  type Gs1ParseOptions,
  Gs1ProblemCode,
  type Gs1Result,
  ProblemList,
  refuseEmptyOrHuge,
} from "./gs1-result.js";

// RFC 3986 §2: the characters a URI may hold (unreserved, reserved and "%").
const URI_CHARACTER = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]$/;
// Characters of the above that a domain (host and port) cannot hold.
const BAD_DOMAIN_CHARACTER = /[_~?#@!$&'()*+,;=%]/;

interface Segment {
  text: string;
  /** Offset of the segment's first character in the input. */
  offset: number;
}

/**
 * Percent-decodes a path segment or query value (RFC 3986 §2.1). Each `%XX`
 * becomes the one character with that code, so an escaped byte outside
 * ASCII later fails the AI's character set. A malformed `%` stays as it is and
 * is reported; so is an escaped NUL.
 */
function percentDecode(segment: Segment, ai: string, problems: ProblemList, plusIsSpace: boolean) {
  let raw = "";
  const offsets: number[] = [];
  const { text, offset } = segment;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    offsets.push(offset + i);
    if (c === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        problems.add(Gs1ProblemCode.DlPercent, `"%" must be followed by two hex digits`, offset + i, ai);
        raw += c;
        continue;
      }
      const code = Number.parseInt(hex, 16);
      if (code === 0) problems.add(Gs1ProblemCode.DlPercent, "escaped NUL (%00)", offset + i, ai);
      raw += String.fromCharCode(code);
      i += 2;
    } else {
      raw += plusIsSpace && c === "+" ? " " : c;
    }
  }
  return { raw, at: (index: number): number => offsets[index] ?? offset + text.length };
}

function split(text: string, separator: string, offset: number): Segment[] {
  const segments: Segment[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf(separator, start);
    segments.push({ text: text.slice(start, end < 0 ? text.length : end), offset: offset + start });
    if (end < 0) return segments;
    start = end + 1;
  }
}

/** True when `sequence` (after the key) follows one of the key's qualifier orders, each optional. */
function isQualifierSequence(key: string, sequence: readonly string[]): boolean {
  const alternatives = lookupAi(key)?.dlQualifiers ?? [];
  return alternatives.some((order) => {
    let k = 0;
    for (const ai of sequence) {
      while (k < order.length && order[k] !== ai) k++;
      if (k === order.length) return false;
      k++;
    }
    return true;
  });
}

/**
 * Parses a GS1 Digital Link URI (GS1 Digital Link Standard: URI Syntax 1.2+):
 * `https://id.gs1.org/01/09506000134352/10/ABC123?17=201225`, on any domain
 * and under any path prefix. The primary key and its key qualifiers come from
 * the path (qualifiers in the key's order, e.g. 01 → 22 → 10 → 21), data
 * attributes from the query string; values are percent-decoded. Query
 * parameters that are not numeric (`linkType=all`) are kept aside; a fragment
 * is ignored. Never throws; returns every problem found, each with its offset
 * in `input`.
 */
export function parseGs1DigitalLink(input: string, options?: Gs1ParseOptions): Gs1Result {
  const refused = refuseEmptyOrHuge(input);
  if (refused) return { ok: false, errors: refused };
  const problems = new ProblemList();
  const context: DecodeContext = { problems, referenceYear: referenceYearOf(options) };

  for (let i = 0; i < input.length; i++) {
    if (!URI_CHARACTER.test(input.charAt(i))) {
      problems.add(Gs1ProblemCode.DlCharacter, `${JSON.stringify(input.charAt(i))} cannot appear in a URI`, i);
      break; // one is enough: the rest of the URI is still read
    }
  }

  // Scheme: http or https, all lower or all upper case.
  const scheme = /^(https?|HTTPS?):\/\//.exec(input);
  if (!scheme) {
    problems.add(Gs1ProblemCode.DlScheme, "a GS1 Digital Link URI starts with http:// or https://", 0);
    return { ok: false, errors: problems.items };
  }
  const hostStart = scheme[0].length;
  const pathStart = input.indexOf("/", hostStart);
  const fragmentAt = input.indexOf("#");
  const end = fragmentAt < 0 ? input.length : fragmentAt;
  const queryAt = input.indexOf("?", hostStart);
  const pathEnd = queryAt < 0 || queryAt > end ? end : queryAt;
  const hostEnd = pathStart < 0 || pathStart > pathEnd ? pathEnd : pathStart;
  const host = input.slice(hostStart, hostEnd);
  if (host.length === 0) {
    problems.add(Gs1ProblemCode.DlDomain, "no domain", hostStart);
    return { ok: false, errors: problems.items };
  }
  const bad = BAD_DOMAIN_CHARACTER.exec(host);
  if (bad)
    problems.add(Gs1ProblemCode.DlDomain, `${JSON.stringify(bad[0])} cannot appear in a domain`, hostStart + bad.index);

  // Path: walk back from the end over /AI/value pairs to the rightmost primary key.
  const segments = hostEnd < pathEnd ? split(input.slice(hostEnd + 1, pathEnd), "/", hostEnd + 1) : [];
  let keyIndex = -1;
  for (let k = segments.length - 2; k >= 0; k -= 2) {
    const ai = segments[k]?.text ?? "";
    if (!/^\d{2,4}$/.test(ai) || !lookupAi(ai)) break;
    if (isDigitalLinkPrimaryKey(ai)) {
      keyIndex = k;
      break;
    }
  }

  const pathElements: Gs1Element[] = [];
  const sequence: string[] = [];
  let key = "";
  let stem = input.slice(0, hostEnd);
  if (keyIndex < 0) {
    problems.add(Gs1ProblemCode.DlNoPrimaryKey, "no GS1 primary key (such as /01/ or /00/) in the path", hostEnd);
  } else {
    const keySegment = segments[keyIndex];
    stem = input.slice(0, (keySegment?.offset ?? hostEnd + 1) - 1);
    for (let k = keyIndex; k + 1 < segments.length; k += 2) {
      const aiSegment = segments[k];
      const valueSegment = segments[k + 1];
      const definition = lookupAi(aiSegment?.text ?? "");
      if (!aiSegment || !valueSegment || !definition) continue; // the walk above checked them
      if (k === keyIndex) {
        key = definition.ai;
      } else {
        sequence.push(definition.ai);
        if (!isQualifierSequence(key, sequence)) {
          problems.add(
            Gs1ProblemCode.DlKeyQualifier,
            `(${definition.ai}) is not a key qualifier of (${key}) in this place`,
            aiSegment.offset,
            definition.ai,
          );
          sequence.pop();
        }
      }
      if (valueSegment.text.length === 0) {
        problems.add(
          Gs1ProblemCode.DlEmptyValue,
          `AI (${definition.ai}) has no value`,
          valueSegment.offset,
          definition.ai,
        );
        continue;
      }
      const { raw, at } = percentDecode(valueSegment, definition.ai, problems, false);
      const element = decodeElement({ definition, raw, position: aiSegment.offset, at }, context);
      if (element) pathElements.push(element);
    }
  }
  const queryStart = queryAt < 0 || queryAt > end ? end : queryAt + 1;
  const { elements, other } = readQuery(input, queryStart, end, key, sequence, pathElements, context);

  checkDuplicates(elements, problems, true);
  if (problems.size > 0) return { ok: false, errors: problems.items };
  return {
    ok: true,
    value: {
      elements,
      form: "digital-link",
      digitalLinkStem: stem,
      ...(other.length > 0 ? { otherQueryParameters: other } : {}),
    },
  };
}

function readQuery(
  input: string,
  from: number,
  to: number,
  key: string,
  pathSequence: readonly string[],
  pathElements: readonly Gs1Element[],
  context: DecodeContext,
): { elements: Gs1Element[]; other: string[] } {
  const { problems } = context;
  const elements = [...pathElements];
  const other: string[] = [];
  const query = from < to ? split(input.slice(from, to), "&", from) : [];
  for (const parameter of query) {
    if (parameter.text.length === 0) continue;
    const equals = parameter.text.indexOf("=");
    const name = equals < 0 ? parameter.text : parameter.text.slice(0, equals);
    if (equals < 0 || !/^\d+$/.test(name)) {
      other.push(parameter.text);
      continue;
    }
    const definition = lookupAi(name);
    if (!definition) {
      problems.add(Gs1ProblemCode.UnknownAi, `unknown AI (${name}) in the query string`, parameter.offset, name);
      continue;
    }
    if (isDigitalLinkPrimaryKey(name)) {
      problems.add(Gs1ProblemCode.DlQueryAi, `primary key (${name}) belongs in the path`, parameter.offset, name);
    } else if (key !== "" && belongsInPath(key, pathSequence, name)) {
      problems.add(
        Gs1ProblemCode.DlQueryAi,
        `key qualifier (${name}) of (${key}) belongs in the path`,
        parameter.offset,
        name,
      );
    }
    const value: Segment = { text: parameter.text.slice(equals + 1), offset: parameter.offset + equals + 1 };
    if (value.text.length === 0) {
      problems.add(Gs1ProblemCode.DlEmptyValue, `AI (${name}) has no value`, value.offset, name);
      continue;
    }
    const { raw, at } = percentDecode(value, name, problems, true);
    const element = decodeElement({ definition, raw, position: parameter.offset, at }, context);
    if (element) elements.push(element);
  }
  return { elements, other };
}

/** True when inserting `ai` somewhere after the key would still give a valid qualifier sequence. */
function belongsInPath(key: string, sequence: readonly string[], ai: string): boolean {
  for (let k = 0; k <= sequence.length; k++) {
    if (isQualifierSequence(key, [...sequence.slice(0, k), ai, ...sequence.slice(k)])) return true;
  }
  return false;
}
