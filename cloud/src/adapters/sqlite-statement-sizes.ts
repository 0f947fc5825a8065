/**
 * How many rows (or values) one SQLite statement takes. SQLite binds each value as a parameter, so a
 * multi-row INSERT or an `IN` list has a text of its own for every length, and each prepared text is kept
 * for as long as the connection lives. A 500-row INSERT of the movements' columns holds about 0.7 MB of
 * compiled program; one statement for every length a batch happened to have grew the cloud's native
 * memory by hundreds of MB over a long run. Only these lengths are ever prepared: whole chunks of the
 * largest, then the rest in powers of two, largest first.
 */

/** Rows per multi-row statement at most: keeps bound parameters well under SQLite's 32,766. */
export const CHUNK_ROWS = 500;

/**
 * The row counts `total` rows are inserted in: chunks of `max` while at least that many are left, then the
 * rest as powers of two, largest first (137 → 128, 8, 1). At most log2(max) + 1 lengths ever occur, and a
 * batch takes at most that many statements more than one a chunk.
 */
export function statementRowCounts(total: number, max: number = CHUNK_ROWS): number[] {
  const counts: number[] = [];
  let left = total;
  while (left >= max) {
    counts.push(max);
    left -= max;
  }
  for (let size = highestPowerOfTwoAtMost(left); left > 0; size >>= 1) {
    if (size <= left) {
      counts.push(size);
      left -= size;
    }
  }
  return counts;
}

/**
 * How many values an `IN` list of `n` is written with: the next power of two, but at most `max` (an `IN`
 * list repeats its last value to fill it, which changes nothing it matches). Beyond `max`, `n` itself.
 */
export function inListLength(n: number, max: number = CHUNK_ROWS): number {
  if (n <= 1 || n > max) return n;
  return Math.min(2 ** Math.ceil(Math.log2(n)), max);
}

function highestPowerOfTwoAtMost(n: number): number {
  return n < 1 ? 0 : 2 ** Math.floor(Math.log2(n));
}
