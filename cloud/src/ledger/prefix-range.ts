/**
 * The location codes a prefix covers — the prefix itself and every code
 * below it (`SITE/ZONE` covers `SITE/ZONE` and `SITE/ZONE/…`, `SITE/` covers
 * `SITE/…`) — as a byte-order range an index can walk, `[low, high)`, plus
 * the one test that removes what the range holds besides: a code in range
 * is covered when it equals `low` or sorts at or after `below`.
 */
export interface PrefixRange {
  low: string;
  high: string;
  below: string;
}

export function prefixRange(prefix: string): PrefixRange {
  const below = prefix.endsWith("/") ? prefix : `${prefix}/`;
  // Every code starting with `below` sorts before `below` with its final '/' raised to '0', the next byte.
  return { low: prefix, high: `${below.slice(0, -1)}0`, below };
}
