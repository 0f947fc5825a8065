import { readFileSync } from "node:fs";
import fc from "fast-check";
import { FUZZ_SITE } from "./fuzz-site.js";
import { hostileJsonText, hostileString } from "./hostile-json.js";
import { mutateText, mutateValue, textMutation, valueMutation } from "./mutations.js";

/** The fuzz site as a plain JSON value (defaults written out). */
export const SITE_VALUE: unknown = JSON.parse(JSON.stringify(FUZZ_SITE));

/** The fuzz site's file as JSON text (JSON is YAML), indented or not. */
export const validSiteText: fc.Arbitrary<string> = fc
  .constantFrom(0, 2, 4)
  .map((indent) => JSON.stringify(SITE_VALUE, null, indent));

/**
 * How deep the nesting attacks go: mostly up to 2,000 levels, now and then up
 * to 20,000 (before the depth check, a thousand levels overflowed the YAML
 * composer's stack).
 */
const nesting = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2_001, max: 20_000 }) },
);

/** Collections nested by indentation-free YAML: compact sequences or flow maps. */
export const nestingAttack: fc.Arbitrary<string> = fc.oneof(
  nesting.map((depth) => `${"- ".repeat(depth)}x`),
  nesting.map((depth) => `${"{a: ".repeat(depth)}1${"}".repeat(depth)}`),
);

/** YAML that attacks the reader rather than the schema: alias bombs, recursion, tags, merges, documents. */
const yamlAttack: fc.Arbitrary<string> = fc.oneof(
  // "Billion laughs": each level refers to the one before ten times.
  fc.integer({ min: 1, max: 12 }).map((levels) => {
    const lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${new Array(10).fill(`*a${i - 1}`).join(", ")}]`);
    return `${lines.join("\n")}\nsiteId: *a${levels}\n`;
  }),
  fc.constantFrom(
    "&x [*x]",
    "siteId: &s S\nzones: *s\nlocations: *undefined\n",
    "siteId: !!binary aGVsbG8=\n",
    "siteId: !!js/function 'function () { return 1 }'\n",
    "!!python/object/apply:os.system ['true']\n",
    "<<: {siteId: X}\nzones: []\n",
    "siteId: A\nsiteId: B\n",
    "---\nsiteId: A\n---\nsiteId: B\n",
    "? [a, b]\n: c\n",
    "siteId: 0x1F\nzones: .inf\nlocations: .nan\n",
    "\ufeffsiteId: A\n",
    "siteId: A\n\tzones: []\n",
    "%YAML 9.9\n---\nsiteId: A\n",
    "siteId: 'unterminated\n",
  ),
  nesting.map((depth) => `${"- ".repeat(depth)}x`),
  nesting.map((depth) => `${"{a: ".repeat(depth)}1${"}".repeat(depth)}`),
  fc
    .integer({ min: 1, max: 400 })
    .map((depth) => Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}k:`).join("\n")),
);

/** Site file text to judge: the valid file mutated as a value and as text, YAML attacks, hostile JSON, any text. */
export const hostileSiteText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(valueMutation, { minLength: 1, maxLength: 3 })
      .map((m) => JSON.stringify(mutateValue(SITE_VALUE, m)) ?? "null"),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(validSiteText, fc.array(textMutation, { minLength: 1, maxLength: 3 }))
      .map(([t, m]) => mutateText(t, m)),
  },
  { weight: 2, arbitrary: yamlAttack },
  { weight: 1, arbitrary: hostileJsonText({ maxDepth: 2_000, maxLength: 3_000 }) },
  { weight: 1, arbitrary: hostileString },
);

/** The built-in scenarios' files (YAML): the valid texts the scenario mutations start from. */
export const SCENARIO_TEXTS = ["demo", "cold-chain", "receiving"].map((name) =>
  readFileSync(new URL(`../../../../simulators/scenarios/${name}.yaml`, import.meta.url), "utf8"),
);

/** Scenario file text to judge: built-in scenarios mutated as text, YAML attacks, hostile JSON, any text. */
export const hostileScenarioText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...SCENARIO_TEXTS), fc.array(textMutation, { minLength: 1, maxLength: 3 }))
      .map(([text, m]) => mutateText(text, m)),
  },
  { weight: 2, arbitrary: yamlAttack },
  { weight: 1, arbitrary: hostileJsonText({ maxDepth: 2_000, maxLength: 3_000 }) },
  { weight: 1, arbitrary: hostileString },
);
