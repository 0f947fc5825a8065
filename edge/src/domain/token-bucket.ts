/**
 * A token bucket: `ratePerS` tokens a second, at most `burst` saved up. Pure:
 * the caller passes the time (ms, any monotonic origin), so tests run in
 * virtual time.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number | undefined;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
  ) {
    if (!(ratePerS > 0) || !(burst >= 1)) throw new RangeError("a token bucket needs ratePerS > 0 and burst >= 1");
    this.tokens = burst;
  }

  /** Takes one token if there is one. */
  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until `take` can succeed, ms (0: now). */
  waitMs(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerS);
  }

  private refill(nowMs: number): void {
    if (this.lastMs !== undefined && nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.ratePerS) / 1000);
    }
    if (this.lastMs === undefined || nowMs > this.lastMs) this.lastMs = nowMs;
  }
}
