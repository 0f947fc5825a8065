import type { Condition } from "@tally/protocols";
import type { OutboxUsage } from "../ports/outbox.js";

/** Fill (bytes / bound) at which EDGE_BACKLOG is raised, and below which it clears. */
export const BACKLOG_RAISE_AT = 0.9;
export const BACKLOG_CLEAR_BELOW = 0.8;

/**
 * Watches the outbox's fill and says when to raise or clear the EDGE_BACKLOG
 * condition (raised at 90 % of the bound, cleared under 80 %: a hysteresis so
 * it does not flap). Pure; the caller appends the condition to the outbox.
 */
export class BacklogWatch {
  #raised = false;

  constructor(
    private readonly edgeId: string,
    private readonly siteId: string,
    private readonly newId: () => string,
  ) {}

  check(usage: OutboxUsage, now: Date): Condition | undefined {
    if (usage.maxBytes === undefined || usage.maxBytes <= 0) return undefined;
    const fill = usage.bytes / usage.maxBytes;
    if (!this.#raised && fill >= BACKLOG_RAISE_AT) {
      this.#raised = true;
      return this.#condition("raised", fill, usage, now);
    }
    if (this.#raised && fill < BACKLOG_CLEAR_BELOW) {
      this.#raised = false;
      return this.#condition("cleared", fill, usage, now);
    }
    return undefined;
  }

  #condition(state: Condition["state"], fill: number, usage: OutboxUsage, now: Date): Condition {
    const shed = Object.entries(usage.shed)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(", ");
    return {
      kind: "condition",
      id: this.newId(),
      siteId: this.siteId,
      occurredAt: now.toISOString(),
      conditionType: "EDGE_BACKLOG",
      state,
      key: `EDGE_BACKLOG:${this.edgeId}`,
      deviceId: this.edgeId,
      value: Math.round(fill * 1000) / 10,
      limit: BACKLOG_RAISE_AT * 100,
      unit: "%",
      detail:
        state === "raised"
          ? `edge ${this.edgeId}'s outbox is ${Math.round(fill * 100)} % full (${usage.bytes} of ${usage.maxBytes} bytes)${shed ? `; shed so far: ${shed}` : ""}`
          : `edge ${this.edgeId}'s outbox is back under ${BACKLOG_CLEAR_BELOW * 100} %`,
    };
  }
}
