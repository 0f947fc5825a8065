import { type CST, Parser } from "yaml";

/** Most levels of nested collections a Tally YAML/JSON file may have; real files use fewer than ten. */
export const MAX_YAML_NESTING = 64;

/**
 * How deeply the collections of a YAML (or JSON) text nest: 0 for a scalar, 1
 * for a flat list or map. Counted on yaml's concrete syntax tree, which its
 * parser builds without recursion, so any depth is safe here. Stops counting
 * past `stopAfter`.
 *
 * Why: yaml's composer recurses once per level. A few thousand levels (a
 * 4 KB `- - - … x`) exhaust the stack, and on Node 20, when such documents
 * are the first YAML a process reads, the second aborts the process outright
 * (V8 fails to compile a regular expression near the stack limit:
 * "RegExpCompiler Allocation failed"), which no try/catch survives. Check the
 * depth before handing a text to `parse`.
 */
export function yamlNestingDepth(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const pending: [CST.Token, number][] = [];
  for (const token of new Parser().parse(text)) pending.push([token, 0]);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [token, depth] = next;
    if (depth > deepest) {
      deepest = depth;
      if (deepest > stopAfter) return deepest;
    }
    switch (token.type) {
      case "document":
        if (token.value !== undefined) pending.push([token.value, depth]);
        break;
      case "block-map":
      case "block-seq":
      case "flow-collection":
        for (const item of token.items) {
          // A key may itself be a collection (`? [a, b]`).
          if (item.key !== undefined && item.key !== null) pending.push([item.key, depth + 1]);
          if (item.value !== undefined) pending.push([item.value, depth + 1]);
        }
        break;
      default:
        break;
    }
  }
  return deepest;
}
