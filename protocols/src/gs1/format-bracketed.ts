import type { Gs1Element } from "./gs1-result.js";

/** What the formatters need of an element: its AI and its value as carried. */
export type Gs1ElementInput = Pick<Gs1Element, "ai" | "raw">;

/**
 * Writes elements in the human-readable bracketed form
 * (`(01)09506000134352(10)ABC123`), escaping a "(" inside a value as "\(" so
 * that {@link parseGs1Bracketed} reads it back. Values are written as given,
 * unchecked.
 */
export function formatBracketed(elements: readonly Gs1ElementInput[]): string {
  return elements.map(({ ai, raw }) => `(${ai})${raw.replaceAll("(", "\\(")}`).join("");
}
