/** Settings of the failed-authentication throttle. */
export interface FailureThrottleOptions {
  /** Failures from one address within `windowMs` that start a block. */
  maxFailures: number;
  windowMs: number;
  /** How long a blocked address is refused, ms. */
  blockMs: number;
  /** Addresses tracked at most (the oldest are dropped beyond it), so a scan of many addresses cannot grow memory. */
  maxAddresses?: number;
  now?: () => number;
}

interface Entry {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/**
 * Counts failed authentications per client address and refuses an address
 * for a while once it failed too often: guessing tokens gets slow, and a
 * flood of bad tokens costs the store nothing. Pure state, no I/O.
 */
export class FailureThrottle {
  readonly #options: Required<FailureThrottleOptions>;
  readonly #entries = new Map<string, Entry>();

  constructor(options: FailureThrottleOptions) {
    this.#options = { maxAddresses: 100_000, now: Date.now, ...options };
  }

  /** Milliseconds the address stays refused, or 0 when it may try. */
  blockedFor(address: string): number {
    const entry = this.#entries.get(address);
    if (entry === undefined) return 0;
    return Math.max(0, entry.blockedUntil - this.#options.now());
  }

  /** Records a failure; true when it started a block. */
  fail(address: string): boolean {
    const now = this.#options.now();
    let entry = this.#entries.get(address);
    if (entry === undefined || now - entry.windowStart > this.#options.windowMs) {
      if (entry === undefined && this.#entries.size >= this.#options.maxAddresses) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      entry = { windowStart: now, failures: 0, blockedUntil: entry?.blockedUntil ?? 0 };
      this.#entries.delete(address);
      this.#entries.set(address, entry);
    }
    entry.failures += 1;
    if (entry.failures >= this.#options.maxFailures && entry.blockedUntil <= now) {
      entry.blockedUntil = now + this.#options.blockMs;
      entry.failures = 0;
      entry.windowStart = now;
      return true;
    }
    return false;
  }
}
