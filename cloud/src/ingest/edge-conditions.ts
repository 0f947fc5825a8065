import type { Condition } from "@tally/protocols";
import type { AlertHub } from "../alerts/alert-hub.js";
import { derivedId } from "../ledger/derived-id.js";
import type { LedgerStore } from "../ledger/ledger-store.js";

/** The cloud's own source name in commit metadata. */
const CLOUD = "cloud";

/**
 * Raises (or clears) the EDGE_IDENTITY_CONFLICT alert of an edge, through the
 * ledger like any condition, so it is stored, deduplicated per edge and
 * streamed to supervisors.
 */
export async function recordIdentityConflict(
  deps: { store: LedgerStore; alerts: AlertHub },
  edge: { edgeId: string; siteId: string },
  state: "raised" | "cleared",
  detail: string,
  at: Date = new Date(),
): Promise<void> {
  const name = `edge-identity:${edge.edgeId}:${state}:${at.toISOString()}`;
  const condition: Condition = {
    kind: "condition",
    id: derivedId(name),
    siteId: edge.siteId,
    occurredAt: at.toISOString(),
    conditionType: "EDGE_IDENTITY_CONFLICT",
    state,
    key: `EDGE_IDENTITY_CONFLICT:${edge.edgeId}`,
    deviceId: edge.edgeId,
    detail: detail.slice(0, 1000),
  };
  const result = await deps.store.commit(
    { edgeId: CLOUD, siteId: edge.siteId, batchId: derivedId(`batch:${name}`), seq: 0 },
    [condition],
  );
  deps.alerts.publish(result.alerts);
}
