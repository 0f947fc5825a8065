import fc from "fast-check";
import { hostileKey, hostileString, hostileValue, objectOf } from "./hostile-json.js";

/** One change to a JSON value: at the `target`-th node (modulo the node count), do `op`. */
export type ValueMutation =
  | { op: "replace"; target: number; with: unknown }
  | { op: "delete"; target: number }
  | { op: "add-key"; target: number; key: string; with: unknown }
  | { op: "wrap-in-array"; target: number }
  | { op: "to-string"; target: number };

export const valueMutation: fc.Arbitrary<ValueMutation> = fc.oneof(
  fc.record({ op: fc.constant("replace" as const), target: fc.nat(), with: hostileValue }),
  fc.record({ op: fc.constant("delete" as const), target: fc.nat() }),
  fc.record({ op: fc.constant("add-key" as const), target: fc.nat(), key: hostileKey, with: hostileValue }),
  fc.record({ op: fc.constant("wrap-in-array" as const), target: fc.nat() }),
  fc.record({ op: fc.constant("to-string" as const), target: fc.nat() }),
);

interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
}

function slots(value: unknown, into: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      into.push({ parent: value, key: i });
      slots(v, into);
    });
  } else if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      into.push({ parent: record, key });
      slots(record[key], into);
    }
  }
  return into;
}

function set(slot: Slot, value: unknown): void {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else Object.defineProperty(slot.parent, slot.key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of a JSON value with the mutations applied in turn (own `__proto__` keys stay own keys). */
export function mutateValue(value: unknown, mutations: readonly ValueMutation[]): unknown {
  const root = { value: cloneJson(value) };
  for (const m of mutations) {
    const all = slots(root);
    const slot = all[m.target % all.length] as Slot;
    const current = Array.isArray(slot.parent)
      ? slot.parent[slot.key as number]
      : (slot.parent as Record<string, unknown>)[slot.key];
    switch (m.op) {
      case "replace":
        set(slot, m.with);
        break;
      case "delete":
        if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
        else if (slot.parent !== root) delete (slot.parent as Record<string, unknown>)[slot.key];
        break;
      case "add-key":
        if (typeof current === "object" && current !== null && !Array.isArray(current)) {
          set({ parent: current as Record<string, unknown>, key: m.key }, m.with);
        } else set(slot, objectOf([[m.key, m.with]]));
        break;
      case "wrap-in-array":
        set(slot, [current]);
        break;
      case "to-string":
        set(slot, JSON.stringify(current) ?? "undefined");
        break;
    }
  }
  return root.value;
}

/** A deep copy of a JSON value that keeps own `__proto__` keys as own keys. */
export function cloneJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value) ?? "null");
}

/** One change to a text: cut it, flip a character, insert, remove, or smuggle in a prototype key. */
export type TextMutation =
  | { op: "truncate"; at: number }
  | { op: "replace-char"; at: number; with: string }
  | { op: "insert"; at: number; text: string }
  | { op: "remove"; at: number; length: number }
  | { op: "proto-key"; at: number };

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("replace-char" as const),
    at: fc.nat(),
    with: fc.string({ minLength: 1, maxLength: 1 }),
  }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(hostileString, fc.constantFrom(...'{}[]",:\\')),
  }),
  fc.record({ op: fc.constant("remove" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant("proto-key" as const), at: fc.nat() }),
);

export function mutateText(text: string, mutations: readonly TextMutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    switch (m.op) {
      case "truncate":
        out = out.slice(0, at);
        break;
      case "replace-char":
        out = `${out.slice(0, at)}${m.with}${out.slice(at + 1)}`;
        break;
      case "insert":
        out = `${out.slice(0, at)}${m.text}${out.slice(at)}`;
        break;
      case "remove":
        out = `${out.slice(0, at)}${out.slice(at + m.length)}`;
        break;
      case "proto-key": {
        // After an opening brace: the object now starts with a key that names the prototype.
        const brace = out.indexOf("{", at);
        const where = brace === -1 ? out.indexOf("{") : brace;
        if (where !== -1) out = `${out.slice(0, where + 1)}"__proto__":{"polluted":true},${out.slice(where + 1)}`;
        break;
      }
    }
  }
  return out;
}

/** Invalid UTF-8: stray continuation bytes, overlong forms, encoded surrogates, bytes that never occur. */
const INVALID_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];

/** One change to the bytes of a payload. */
export type ByteMutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "invalid-utf8"; at: number; which: number }
  | { op: "truncate"; at: number };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant("invalid-utf8" as const), at: fc.nat(), which: fc.nat() }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);

export function mutateBytes(bytes: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    switch (m.op) {
      case "flip":
        if (out.length > 0) out[at] = (out[at] ?? 0) ^ (1 << m.bit);
        break;
      case "invalid-utf8": {
        const bad = Buffer.from(INVALID_UTF8[m.which % INVALID_UTF8.length] ?? [0xff]);
        out = Buffer.concat([out.subarray(0, at), bad, out.subarray(at)]);
        break;
      }
      case "truncate":
        out = out.subarray(0, at);
        break;
    }
  }
  return out;
}
