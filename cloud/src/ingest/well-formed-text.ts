/** JSON.stringify's escape of a lone UTF-16 surrogate (one with no pair: not text in any Unicode encoding). */
const LONE_SURROGATE_ESCAPE = /\\ud[89a-f]/i;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `String.prototype.isWellFormed` (ES2024, in Node 20): no lone surrogate. */
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * `value` with every lone surrogate in its strings replaced by U+FFFD, as a
 * UTF-8 encoder does: JSON may carry one (`"\ud800"`), SQLite keeps it, and
 * PostgreSQL's JSON refuses it, failing a whole commit. Without one (the
 * usual case: a walk over its strings, no copy), `value` itself is returned.
 */
export function withWellFormedText<T>(value: T): T {
  if (stringsWellFormed(value)) return value;
  try {
    return wellFormed(value);
  } catch {
    // Nested too deep for JSON.stringify or a reviver (a few thousand levels: no schema accepts that). The
    // elements of a list, a batch's events, are cleaned one by one, so such an event leaves the others as
    // they would be; it is kept as it is, for the schema to refuse.
    if (!Array.isArray(value)) return value;
    return value.map((element: unknown) => {
      try {
        return wellFormed(element);
      } catch {
        return element;
      }
    }) as T;
  }
}

function wellFormed<T>(value: T): T {
  const json = JSON.stringify(value);
  if (json === undefined || !LONE_SURROGATE_ESCAPE.test(json)) return value;
  return JSON.parse(json, (_key, v: unknown) => (typeof v === "string" ? v.replace(LONE_SURROGATE, "\ufffd") : v));
}

/** Whether every string value in `value` is well formed; false also when it is nested too deep to walk. */
function stringsWellFormed(value: unknown): boolean {
  try {
    return walkWellFormed(value);
  } catch {
    return false;
  }
}

function walkWellFormed(value: unknown): boolean {
  if (typeof value === "string") return isWellFormed(value);
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    for (const element of value) if (!walkWellFormed(element)) return false;
    return true;
  }
  for (const key in value) {
    if (!walkWellFormed((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
