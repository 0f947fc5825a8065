import { Counter, type Registry } from "prom-client";
import type { NotifierObserver } from "./notifier.js";

/**
 * Counters of the notifier on `registry` (the cloud's `/metrics`): attempts
 * by outcome (a receiver that keeps refusing shows as a rising `refused`),
 * deliveries planned, and rounds that failed as a whole.
 */
export function notifierMetrics(registry: Registry): NotifierObserver {
  const attempts = new Counter({
    name: "tally_cloud_webhook_attempts_total",
    help: "Webhook delivery attempts, by outcome: delivered (2xx), refused (another status), timeout, unreachable",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const planned = new Counter({
    name: "tally_cloud_webhook_deliveries_total",
    help: "Webhook deliveries made from alert events (one per group of events and subscribed webhook)",
    registers: [registry],
  });
  const failedRounds = new Counter({
    name: "tally_cloud_notifier_round_failures_total",
    help: "Rounds of the notifier that failed as a whole (the database away); the next round tries again",
    registers: [registry],
  });
  const malformed = new Counter({
    name: "tally_cloud_notification_outbox_malformed_total",
    help: "Notification outbox rows that held no alert event (damaged), removed without a delivery",
    registers: [registry],
  });
  return {
    malformed: (n) => malformed.inc(n),
    attempted: (outcome) => attempts.inc({ outcome }),
    planned: (n) => planned.inc(n),
    roundFailed: () => failedRounds.inc(),
  };
}
