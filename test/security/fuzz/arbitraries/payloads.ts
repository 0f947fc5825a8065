import fc from "fast-check";
import { hostileJsonText } from "./hostile-json.js";
import { byteMutation, mutateBytes, mutateText, mutateValue, textMutation, valueMutation } from "./mutations.js";

const utf8 = (text: string): Uint8Array => Buffer.from(text, "utf8");

/** `json` padded with spaces to just past `maxBytes`: well formed, only too large. */
export function oversize(json: string, maxBytes: number, extra: number): Uint8Array {
  const padding = Math.max(0, maxBytes - Buffer.byteLength(json)) + 1 + extra;
  return utf8(`${json}${" ".repeat(padding)}`);
}

/**
 * Payload bytes around a valid message: the message mutated as a value, as
 * text and as bytes; hostile JSON; random bytes; and, rarely (they are big),
 * the valid message padded past `maxBytes` (unless `oversized` is false).
 */
export function hostilePayload(
  valid: fc.Arbitrary<unknown>,
  maxBytes: number,
  { oversized = true } = {},
): fc.Arbitrary<Uint8Array> {
  const mutations = <T>(arbitrary: fc.Arbitrary<T>) => fc.array(arbitrary, { minLength: 1, maxLength: 3 });
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(valid, mutations(valueMutation))
        .map(([v, m]) => utf8(JSON.stringify(mutateValue(v, m)) ?? "null")),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(valid, mutations(textMutation)).map(([v, m]) => utf8(mutateText(JSON.stringify(v), m))),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(valid, mutations(byteMutation)).map(([v, m]) => mutateBytes(utf8(JSON.stringify(v)), m)),
    },
    { weight: 2, arbitrary: hostileJsonText().map(utf8) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
    {
      // Megabytes for a batch: its suite sends those in a property of their own, fewer times.
      weight: oversized ? 1 : 0,
      arbitrary: fc.tuple(valid, fc.nat(100)).map(([v, extra]) => oversize(JSON.stringify(v), maxBytes, extra)),
    },
  );
}
