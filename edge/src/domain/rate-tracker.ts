/** A temperature device's rate-of-change settings from the site file. */
export interface RateSettings {
  /** °C per minute, either direction. */
  maxRateCPerMin: number;
  rateWindowS: number;
  gapS: number;
}

/** A raised episode clears once the rate is below this share of the limit, so a rate hovering at it does not flap. */
export const RATE_CLEAR_SHARE = 0.8;

/** Readings kept per device: one per 1/1024 of the window, so a fast sensor keeps a bounded history. */
const SLOTS_PER_WINDOW = 1024;

export type RateStep =
  | { kind: "late" }
  | { kind: "none"; rate?: number | undefined }
  | { kind: "raised" | "cleared"; rate: number };

interface Point {
  atMs: number;
  celsius: number;
}

/**
 * One device's rate of change in device time (pure): the reading now against
 * the newest reading at least `rateWindowS` before it, in °C/min. Raised when
 * its size exceeds the limit, cleared below 80 % of it, once per episode.
 * When that older reading lies more than `gapS` beyond the window the history
 * has a hole and no rate is taken (a step after a silence is not a slope).
 */
export class RateTracker {
  readonly #points: Point[] = [];
  #lastMs: number | undefined;
  #raised = false;

  constructor(private readonly settings: RateSettings) {}

  step(atMs: number, celsius: number): RateStep {
    if (this.#lastMs !== undefined && atMs < this.#lastMs) return { kind: "late" };
    this.#lastMs = atMs;
    const windowMs = this.settings.rateWindowS * 1000;
    const points = this.#points;
    // Drop what is older than the newest reading that is already a window old.
    while (points.length >= 2 && (points[1] as Point).atMs <= atMs - windowMs) points.shift();
    const reference = points[0];
    const newest = points.at(-1);
    if (newest === undefined || atMs - newest.atMs >= windowMs / SLOTS_PER_WINDOW) points.push({ atMs, celsius });
    if (reference === undefined || reference.atMs > atMs - windowMs) return { kind: "none" };
    const spanMs = atMs - reference.atMs;
    if (spanMs > windowMs + this.settings.gapS * 1000) return { kind: "none" };
    const rate = Math.round(((celsius - reference.celsius) / (spanMs / 60_000)) * 1000) / 1000;
    const size = Math.abs(rate);
    if (!this.#raised && size > this.settings.maxRateCPerMin) {
      this.#raised = true;
      return { kind: "raised", rate };
    }
    if (this.#raised && size < this.settings.maxRateCPerMin * RATE_CLEAR_SHARE) {
      this.#raised = false;
      return { kind: "cleared", rate };
    }
    return { kind: "none", rate };
  }

  /** Readings held (bounded by the slots of one window, plus the reference). */
  size(): number {
    return this.#points.length;
  }
}
