import type { Condition } from "@tally/protocols";
import type { AlertHub } from "../alerts/alert-hub.js";
import { derivedId } from "../ledger/derived-id.js";
import type { LedgerStore } from "../ledger/ledger-store.js";

/** The cloud's own source name in commit metadata. */
const CLOUD = "cloud";

/**
 * Raises a FORGED_MESSAGE alert: someone tried to speak for an edge or for
 * the cloud without its credential. One open alert per offender (`key`),
 * stored and streamed like every other alert.
 */
export async function recordForgery(
  deps: { store: LedgerStore; alerts: AlertHub },
  forgery: { siteId: string; key: string; offender: string; detail: string },
  at: Date = new Date(),
): Promise<void> {
  const name = `forgery:${forgery.key}:${at.toISOString()}`;
  const condition: Condition = {
    kind: "condition",
    id: derivedId(name),
    siteId: forgery.siteId,
    occurredAt: at.toISOString(),
    conditionType: "FORGED_MESSAGE",
    state: "raised",
    key: `FORGED_MESSAGE:${forgery.key}`.slice(0, 200),
    deviceId: forgery.offender.slice(0, 64) || "unknown",
    detail: forgery.detail.slice(0, 1000),
  };
  const result = await deps.store.commit(
    { edgeId: CLOUD, siteId: forgery.siteId, batchId: derivedId(`batch:${name}`), seq: 0 },
    [condition],
  );
  deps.alerts.publish(result.alerts);
}
