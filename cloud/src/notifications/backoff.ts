/** Retry delays of a webhook delivery, ms. */
export interface BackoffOptions {
  /** The ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay is longer than this, however many attempts failed. */
  capMs: number;
}

/** First retry within 1 s; after about a dozen failures, one try within the hour, for as long as it takes. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 3_600_000 };

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from
 * [0, min(cap, base · 2^(attempt − 1))). The jitter spreads the retries of
 * many deliveries to one receiver that comes back, instead of all of them
 * arriving in the same second. `attempt` counts the failed attempts so far
 * (1 after the first). `random` returns [0, 1), as Math.random.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  // The exponent is bounded so 2^n never overflows to Infinity before the cap applies.
  const exponent = Math.min(Math.max(attempt, 1) - 1, 50);
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(ceiling * r);
}
