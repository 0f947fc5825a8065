import {
  type Gs1Result,
  parseGs1,
  parseGs1Bracketed,
  parseGs1DigitalLink,
  parseGs1Raw,
  parseRetailSymbol,
} from "@tally/protocols";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostileGs1, validGs1 } from "./arbitraries/codes.js";
import { fuzz, withinBudget } from "./support/fuzz-runs.js";
import { expectCodeAndReason } from "./support/refusals.js";

const SUITE = "gs1";
const PARSERS = { parseGs1, parseGs1Bracketed, parseGs1Raw, parseGs1DigitalLink, parseRetailSymbol } as const;

/** A GS1 result is elements, or at least one problem, each with a code, a message and a position in the input. */
function expectGs1Result(input: string, result: Gs1Result): void {
  if (result.ok) return;
  expect(result.errors.length).toBeGreaterThan(0);
  for (const problem of result.errors) {
    expectCodeAndReason("gs1", problem.code, problem.message);
    expect(problem.position).toBeGreaterThanOrEqual(0);
    expect(problem.position).toBeLessThanOrEqual(Math.max(input.length, 0));
  }
}

/** Reference days, including ones no scanner has: far past and future years, an invalid Date. */
const referenceDate = fc.option(fc.oneof(fc.date({ noInvalidDate: false }), fc.constant(new Date(Number.NaN))), {
  nil: undefined,
});

describe("fuzz: the GS1 element string parsers", () => {
  it("parses every valid bracketed, raw and Digital Link code", () => {
    fuzz(
      SUITE,
      fc.property(validGs1, (code) => {
        expect(parseGs1(code, { referenceDate: new Date("2026-01-01T00:00:00Z") })).toMatchObject({ ok: true });
      }),
      2_000,
    );
  });

  it.each(Object.keys(PARSERS) as (keyof typeof PARSERS)[])(
    "%s judges mutated codes and hostile text with coded problems, never a throw",
    (name) => {
      const parse = PARSERS[name];
      fuzz(
        SUITE,
        fc.property(hostileGs1, referenceDate, (input, date) => {
          const result = withinBudget(name, () =>
            parse(input, date === undefined ? undefined : { referenceDate: date }),
          );
          expectGs1Result(input, result);
        }),
        name === "parseGs1" ? 4_000 : 3_000,
      );
    },
  );
});
