import fc from "fast-check";

/** Strings that look like numbers or literals to a sloppy parser, but are not numbers to JSON. */
export const NAN_LIKE = [
  "NaN",
  "-NaN",
  "Infinity",
  "-Infinity",
  "1e999",
  "-1e999",
  "0x1F",
  "1_000",
  "undefined",
  "null",
  "true",
  "",
  " ",
  "-0",
  "\uff10",
  "\u0661\u0662",
  "1e-400",
  "9007199254740993",
] as const;

/** Keys that mean something to JavaScript objects: a parser that assigns them naively pollutes prototypes. */
export const PROTO_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "__defineGetter__",
  "isPrototypeOf",
] as const;

/** One UTF-16 surrogate with no partner: not text in any Unicode encoding. */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Strings a hostile client sends: any code point, lone surrogates, controls, bidi overrides, long runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(...NAN_LIKE, ...PROTO_KEYS),
  fc
    .tuple(fc.string({ maxLength: 5 }), loneSurrogate, fc.string({ maxLength: 5 }))
    .map(([before, lone, after]) => `${before}${lone}${after}`),
  fc
    .tuple(fc.constantFrom("a", "0", "\u0000", "\u00e9", "\u{1f600}", "\u202e", "%", "/", "\\"), fc.nat(5000))
    .map(([c, n]) => c.repeat(n + 1)),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
);

/** Numbers at and past the edges: extremes, unsafe integers, negative zero, NaN and ±Infinity (JSON null). */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_SAFE_INTEGER - 2,
    -0,
    1e21,
    2 ** 64,
    -(2 ** 31),
    0.1 + 0.2,
  ),
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 3, arbitrary: hostileString },
);

/**
 * An object with `entries` as its own properties, `__proto__` included:
 * defined, never assigned, exactly as `JSON.parse` builds them.
 */
export function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return object;
}

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  hostileNumber,
  hostileString,
  fc.constantFrom(...NAN_LIKE),
);

/** Any JSON value of a few levels, with hostile keys, strings and numbers. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; array: unknown[]; object: unknown }>(
  (tie) => ({
    value: fc.oneof({ depthSize: "small", maxDepth: 4 }, leaf, tie("array"), tie("object")),
    array: fc.array(tie("value"), { maxLength: 6 }),
    object: fc.array(fc.tuple(hostileKey, tie("value")), { maxLength: 6 }).map(objectOf),
  }),
).value;

/** JSON text nested up to `maxDepth` levels deep: arrays, objects, or both in turn. */
export const deeplyNested = (maxDepth: number): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom("array", "object", "mixed"), fc.integer({ min: 1, max: maxDepth })).map(([shape, depth]) => {
    switch (shape) {
      case "array":
        return `${"[".repeat(depth)}${"]".repeat(depth)}`;
      case "object":
        return `${'{"a":'.repeat(depth)}0${"}".repeat(depth)}`;
      default:
        return `${'[{"a":'.repeat(depth)}0${"}]".repeat(depth)}`;
    }
  });

/** Numbers JSON can spell but no double holds: thousands of digits, exponents past 308. */
export const hugeNumberText: fc.Arbitrary<string> = fc.oneof(
  fc.nat(20_000).map((n) => `1${"0".repeat(n)}`),
  fc.nat(20_000).map((n) => `-0.${"0".repeat(n)}1`),
  fc.integer({ min: 309, max: 1_000_000_000 }).map((e) => `1e${e}`),
  fc.integer({ min: 309, max: 1_000_000_000 }).map((e) => `-1e-${e}`),
);

/** Arrays of 1,001 up to `maxLength` elements, of numbers, empty objects, empty strings or nulls. */
export const enormousArray = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom("0", "{}", '""', "null"), fc.integer({ min: 1001, max: maxLength }))
    .map(([element, n]) => `[${new Array<string>(n).fill(element).join(",")}]`);

/**
 * A JSON text that is hostile as a whole: small hostile values, and now and
 * then deep nesting (40,000 levels), huge numbers, or 60,000-element arrays
 * (about 120 KiB: under the device limit). Parsers slower per byte (YAML)
 * take smaller bounds.
 */
export const hostileJsonText = ({ maxDepth = 40_000, maxLength = 60_000 } = {}): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? "null") },
    { weight: 1, arbitrary: deeplyNested(maxDepth) },
    { weight: 1, arbitrary: hugeNumberText },
    { weight: 1, arbitrary: enormousArray(maxLength) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  );
