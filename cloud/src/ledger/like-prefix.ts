/**
 * A LIKE pattern (escape character `\`) matching the codes below a location
 * prefix: `SITE/ZONE` → `SITE/ZONE/%`. Pair it with an equality test for the
 * prefix itself.
 */
export function likePrefix(prefix: string): string {
  const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
  return escaped.endsWith("/") ? `${escaped}%` : `${escaped}/%`;
}
