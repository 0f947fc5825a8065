import type { Condition } from "@tally/protocols";

/** What one poll of the cloud's reference data came to. */
export type ReferencePollOutcome = { ok: true } | { ok: false; error: string };

/**
 * Says when to raise or clear REFERENCE_DATA_STALE: raised once the cloud
 * has not confirmed the edge's copy (a new copy, or "not modified") for
 * `staleMs`, cleared at the next confirmation. Until the first confirmation
 * the age counts from `startedAtMs` (a cached copy's own age is not known).
 * `raisedBefore`: an earlier run of this edge left it raised, so the first
 * confirmation clears it. Pure; the caller queues the condition like any event.
 */
export class ReferenceStaleWatch {
  #confirmedAtMs: number;
  #raised: boolean;

  constructor(
    private readonly edgeId: string,
    private readonly siteId: string,
    private readonly staleMs: number,
    startedAtMs: number,
    private readonly newId: () => string,
    raisedBefore = false,
  ) {
    this.#confirmedAtMs = startedAtMs;
    this.#raised = raisedBefore;
  }

  /** Whether the condition stands raised now (what a restart must know). */
  get raised(): boolean {
    return this.#raised;
  }

  polled(outcome: ReferencePollOutcome, nowMs: number): Condition | undefined {
    if (outcome.ok) {
      this.#confirmedAtMs = nowMs;
      if (!this.#raised) return undefined;
      this.#raised = false;
      return this.#condition("cleared", 0, nowMs, undefined);
    }
    const ageMs = nowMs - this.#confirmedAtMs;
    if (this.#raised || ageMs < this.staleMs) return undefined;
    this.#raised = true;
    // The reason as the poll gave it, cut so the detail stays within a condition's 1,000 characters.
    return this.#condition("raised", ageMs, nowMs, outcome.error.slice(0, 200));
  }

  #condition(state: Condition["state"], ageMs: number, nowMs: number, error: string | undefined): Condition {
    const minutes = (ms: number) => Math.round(ms / 6000) / 10;
    return {
      kind: "condition",
      id: this.newId(),
      siteId: this.siteId,
      occurredAt: new Date(nowMs).toISOString(),
      conditionType: "REFERENCE_DATA_STALE",
      state,
      key: `REFERENCE_DATA_STALE:${this.edgeId}`,
      deviceId: this.edgeId,
      value: minutes(ageMs),
      limit: minutes(this.staleMs),
      unit: "min",
      detail:
        state === "raised"
          ? `edge ${this.edgeId} has not refreshed its reference data for ${minutes(ageMs)} min (${error}): ` +
            "expected receipts and shipments opened or closed since are unknown to it, and its tasks at the doors may be wrong"
          : `edge ${this.edgeId} has refreshed its reference data`,
    };
  }
}
