import type { Condition } from "@tally/protocols";
import type { AlertHub } from "../alerts/alert-hub.js";
import { derivedId } from "../ledger/derived-id.js";
import type { LedgerStore } from "../ledger/ledger-store.js";

/**
 * Raises the FORGED_BATCH alert of an edge credential that sent a batch
 * naming another edge or site: the credential's holder (a compromised or
 * misconfigured edge) tried to speak for someone else. Recorded through the
 * ledger like any condition, under the credential's own site and edge, so
 * it is deduplicated (one open alert per credential's edge) and streamed.
 */
export async function recordForgedBatch(
  deps: { store: LedgerStore; alerts: AlertHub },
  credential: { edgeId: string; siteId: string },
  detail: string,
  at: Date = new Date(),
): Promise<void> {
  const name = `forged-batch:${credential.edgeId}:${at.toISOString()}`;
  const condition: Condition = {
    kind: "condition",
    id: derivedId(name),
    siteId: credential.siteId,
    occurredAt: at.toISOString(),
    conditionType: "FORGED_BATCH",
    state: "raised",
    key: `FORGED_BATCH:${credential.edgeId}`,
    deviceId: credential.edgeId,
    detail: detail.slice(0, 1000),
  };
  const result = await deps.store.commit(
    { edgeId: "cloud", siteId: credential.siteId, batchId: derivedId(`batch:${name}`), seq: 0 },
    [condition],
  );
  deps.alerts.publish(result.alerts);
}
