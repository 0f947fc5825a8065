import type { Condition } from "@tally/protocols";

/** How a bin's value came: `good`, or why it is not a weight (an OPC-UA status name, or `NotAFiniteNumber`). */
export type BinValueQuality = "good" | string;

export interface BinQualityConfig {
  /** How long a bin may stay without a good value before SHELF_UNSTABLE is raised, ms. */
  badAfterMs: number;
}

export const DEFAULT_BIN_QUALITY_CONFIG: BinQualityConfig = { badAfterMs: 30_000 };

/** Locations named in a condition's detail: the rest are counted (the detail is bounded). */
const NAMED_BINS = 5;

/**
 * The data quality of one OPC-UA shelf's bins, without I/O. A value with a
 * Bad or Uncertain status code (IEC 62541-4 §7.34) is never a weight: the
 * adapter reports it here, where it is counted by status, and a bin that
 * stays without a good value for `badAfterMs` raises SHELF_UNSTABLE for the
 * shelf (one condition per shelf, listing the bins: a failed sensor bus must
 * not raise thousands). It clears once every bin has a good value again.
 * State is one entry per bin of the site file: bounded.
 */
export class BinQuality {
  readonly #badSince = new Map<string, { sinceMs: number; status: string }>();
  readonly #counts: Record<string, number> = {};
  #raised = false;

  constructor(
    private readonly shelfId: string,
    private readonly deps: { siteId: string; newId: () => string },
    private readonly config: BinQualityConfig = DEFAULT_BIN_QUALITY_CONFIG,
  ) {}

  /** A value arrived for a bin; true when it is a weight to pass on. */
  value(location: string, quality: BinValueQuality, nowMs: number): boolean {
    if (quality === "good") {
      this.#badSince.delete(location);
      return true;
    }
    this.#counts[quality] = (this.#counts[quality] ?? 0) + 1;
    const bad = this.#badSince.get(location);
    // The episode runs from the first bad value: a bin going from Uncertain to Bad is still the same one.
    this.#badSince.set(location, { sinceMs: bad?.sinceMs ?? nowMs, status: quality });
    return false;
  }

  /** Values refused so far, by status. */
  counts(): Record<string, number> {
    return { ...this.#counts };
  }

  /** Bins without a good value now. */
  badBins(): number {
    return this.#badSince.size;
  }

  /** Called on a timer (a bad bin may send nothing more): raises or clears SHELF_UNSTABLE. */
  check(nowMs: number): Condition | undefined {
    const due = [...this.#badSince].filter(([, bad]) => nowMs - bad.sinceMs >= this.config.badAfterMs);
    if (!this.#raised && due.length > 0) {
      this.#raised = true;
      const named = due
        .slice(0, NAMED_BINS)
        .map(([location, bad]) => `${location} (${bad.status})`)
        .join(", ");
      const more = due.length > NAMED_BINS ? ` and ${due.length - NAMED_BINS} more` : "";
      return this.#condition(
        "raised",
        nowMs,
        due.length,
        `shelf ${this.shelfId}: ${due.length} bin(s) without a good weight for ${Math.round(this.config.badAfterMs / 1000)} s or more, so their picks are not counted: ${named}${more}. Fix: check the load cells and the shelf controller`,
      );
    }
    if (this.#raised && this.#badSince.size === 0) {
      this.#raised = false;
      return this.#condition("cleared", nowMs, 0, `shelf ${this.shelfId}: every bin has a good weight again`);
    }
    return undefined;
  }

  #condition(state: Condition["state"], nowMs: number, bins: number, detail: string): Condition {
    return {
      kind: "condition",
      id: this.deps.newId(),
      siteId: this.deps.siteId,
      occurredAt: new Date(nowMs).toISOString(),
      conditionType: "SHELF_UNSTABLE",
      state,
      key: `SHELF_UNSTABLE:${this.shelfId}`,
      deviceId: this.shelfId,
      value: bins,
      unit: "bins",
      detail: detail.length > 1000 ? `${detail.slice(0, 999)}…` : detail,
    };
  }
}
