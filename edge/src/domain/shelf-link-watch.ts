import type { Condition } from "@tally/protocols";
import type { ShelfRefusal } from "./shelf-refusal.js";

export interface ShelfLinkConfig {
  /** First wait after a refusal, ms; doubled on each consecutive one. */
  initialDelayMs: number;
  /** The backoff cap, ms. */
  maxDelayMs: number;
  /**
   * How long a shelf may be unreachable (transient refusals: not listening,
   * connection lost) before SHELF_UNREACHABLE is raised, ms: the edge and its
   * shelves start in any order. A server that answers and refuses raises at once.
   */
  raiseAfterMs: number;
}

export const DEFAULT_SHELF_LINK_CONFIG: ShelfLinkConfig = {
  initialDelayMs: 500,
  // Low enough that a shelf is monitored again within seconds of its server's return (decision 0159):
  // an attempt against a server that is down is one refused TCP connection.
  maxDelayMs: 5000,
  raiseAfterMs: 10_000,
};

export interface ShelfRefusalVerdict {
  /** Wait this long before the next attempt, ms (jittered). */
  delayMs: number;
  /** `warn` the first time a refusal code is seen in an episode, `debug` after. */
  log: "warn" | "debug";
  /** Consecutive refusals so far, this one included. */
  attempt: number;
  condition?: Condition | undefined;
}

/**
 * The retry and condition state of one OPC-UA shelf, without I/O: the adapter
 * reports each refusal and each success with the time, and is told how long
 * to wait (capped exponential backoff, the upper half jittered so shelves that
 * failed together do not retry together), how loudly to log, and when to
 * raise or clear SHELF_UNREACHABLE. It never gives up: the caller retries forever.
 */
export class ShelfLinkWatch {
  #downSinceMs: number;
  #attempts = 0;
  #raised = false;
  #warned = new Set<string>();

  constructor(
    private readonly shelfId: string,
    private readonly deps: { siteId: string; newId: () => string },
    private readonly config: ShelfLinkConfig,
    private readonly random: () => number,
    startMs: number,
  ) {
    this.#downSinceMs = startMs;
  }

  get raised(): boolean {
    return this.#raised;
  }

  refused(refusal: ShelfRefusal, nowMs: number): ShelfRefusalVerdict {
    this.#attempts++;
    const base = Math.min(this.config.maxDelayMs, this.config.initialDelayMs * 2 ** Math.min(this.#attempts - 1, 30));
    const delayMs = Math.round(base / 2 + (base / 2) * this.random());
    const log = this.#warned.has(refusal.code) ? "debug" : "warn";
    this.#warned.add(refusal.code);
    let condition: Condition | undefined;
    const dueMs = refusal.transient ? this.#downSinceMs + this.config.raiseAfterMs : nowMs;
    if (!this.#raised && nowMs >= dueMs) {
      this.#raised = true;
      condition = this.#condition(
        "raised",
        nowMs,
        `shelf ${this.shelfId} is not monitored (${refusal.code}): ${refusal.reason}. Fix: ${refusal.fix}`,
      );
    }
    return { delayMs, log, attempt: this.#attempts, condition };
  }

  /** Every bin is monitored again: the backoff resets, and a raised condition clears. */
  monitored(nowMs: number): Condition | undefined {
    this.#attempts = 0;
    this.#warned.clear();
    if (!this.#raised) return undefined;
    this.#raised = false;
    return this.#condition("cleared", nowMs, `shelf ${this.shelfId} is monitored again`);
  }

  /** A working link was lost at `nowMs`: the grace for transient refusals starts again. */
  lost(nowMs: number): void {
    this.#downSinceMs = nowMs;
  }

  #condition(state: Condition["state"], nowMs: number, detail: string): Condition {
    return {
      kind: "condition",
      id: this.deps.newId(),
      siteId: this.deps.siteId,
      occurredAt: new Date(nowMs).toISOString(),
      conditionType: "SHELF_UNREACHABLE",
      state,
      key: `SHELF_UNREACHABLE:${this.shelfId}`,
      deviceId: this.shelfId,
      // The wire contract bounds detail; a library message can be long.
      detail: detail.length > 1000 ? `${detail.slice(0, 999)}…` : detail,
    };
  }
}
