import { lookupAi } from "./ai-table.js";
import { checkDuplicates, decodeElement, referenceYearOf } from "./decode-element.js";
import {
  type Gs1Element,
  type Gs1ParseOptions,
  Gs1ProblemCode,
  type Gs1Result,
  ProblemList,
  refuseEmptyOrHuge,
} from "./gs1-result.js";

/**
 * Parses the human-readable, bracketed form of GS1 element strings (GS1
 * General Specifications §4.15, "human readable interpretation"), e.g.
 * `(01)09506000134352(17)201225(10)ABC123`. A literal "(" inside a value is
 * written "\(" (as the GS1 Barcode Syntax Engine does). Never throws; returns
 * every problem found, each with its offset in `input`.
 */
export function parseGs1Bracketed(input: string, options?: Gs1ParseOptions): Gs1Result {
  const refused = refuseEmptyOrHuge(input);
  if (refused) return { ok: false, errors: refused };
  const problems = new ProblemList();
  const context = { problems, referenceYear: referenceYearOf(options) };
  const elements: Gs1Element[] = [];

  let i = 0;
  if (input.charAt(0) !== "(") {
    problems.add(Gs1ProblemCode.Syntax, "a bracketed element string starts with (AI)", 0);
    i = nextOpening(input, 0);
  }
  while (i < input.length) {
    const start = i;
    const close = input.indexOf(")", start + 1);
    const next = nextOpening(input, start + 1);
    if (close < 0 || close > next) {
      problems.add(Gs1ProblemCode.Syntax, "an opening bracket without its closing bracket", start);
      i = next;
      continue;
    }
    const ai = input.slice(start + 1, close);
    // The value runs to the next unescaped "("; "\(" stands for "(".
    let raw = "";
    const offsets: number[] = [];
    let j = close + 1;
    while (j < next) {
      if (input.charAt(j) === "\\" && input.charAt(j + 1) === "(") {
        offsets.push(j);
        raw += "(";
        j += 2;
      } else {
        offsets.push(j);
        raw += input.charAt(j);
        j += 1;
      }
    }
    i = next;
    const at = (index: number): number => offsets[index] ?? next;
    if (!/^\d{2,4}$/.test(ai)) {
      problems.add(Gs1ProblemCode.Syntax, `(${ai}) is not an AI: 2 to 4 digits`, start + 1);
      continue;
    }
    const definition = lookupAi(ai);
    if (!definition) {
      problems.add(Gs1ProblemCode.UnknownAi, `unknown AI (${ai})`, start + 1, ai);
      continue;
    }
    const element = decodeElement({ definition, raw, position: start, at }, context);
    if (element) elements.push(element);
  }
  checkDuplicates(elements, problems);
  if (problems.size > 0) return { ok: false, errors: problems.items };
  return { ok: true, value: { elements, form: "bracketed" } };
}

/** Offset of the next "(" at or after `from` that is not escaped as "\(", or the input's length. */
function nextOpening(input: string, from: number): number {
  let k = input.indexOf("(", from);
  while (k > 0 && input.charAt(k - 1) === "\\") k = input.indexOf("(", k + 1);
  return k < 0 ? input.length : k;
}
