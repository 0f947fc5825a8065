import { z } from "zod";

/**
 * `schema.safeParse(value)` for a value from outside, which never throws. zod runs a string's or a list's
 * length checks on any value that has a `length` (its `size` checks on any with a `size`), even one that
 * already failed its type check, and comparing `{"length": {"toString": null}}` with a number throws a
 * TypeError out of `safeParse`. Such a value is refused like any other that does not fit, with a reason.
 */
export function safeParseUntrusted<T extends z.ZodType>(schema: T, value: unknown): z.ZodSafeParseResult<z.output<T>> {
  try {
    return schema.safeParse(value);
  } catch (cause) {
    const message = unreadableValueReason(cause);
    // A refusal carries no value of the schema's type: the error's type parameter says nothing at run time.
    const error = new z.ZodError([{ code: "custom", message, path: [], input: value }]) as z.ZodError<z.output<T>>;
    return { success: false, error };
  }
}

/** Why a value that made a schema throw is refused (the throw's own message inside). */
export function unreadableValueReason(cause: unknown): string {
  const why = cause instanceof Error ? cause.message : String(cause);
  return `a value could not be read as the expected text, number or list (${why}): an object stands where they belong`;
}
