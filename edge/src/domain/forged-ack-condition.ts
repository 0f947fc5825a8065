import type { Condition } from "@tally/protocols";

/** The condition an edge raises when an acknowledgement could not have come from the cloud. */
export function forgedAckCondition(
  siteId: string,
  edgeId: string,
  reason: string,
  at: Date,
  newId: () => string,
): Condition {
  return {
    kind: "condition",
    id: newId(),
    siteId,
    occurredAt: at.toISOString(),
    conditionType: "FORGED_MESSAGE",
    state: "raised",
    key: `FORGED_MESSAGE:ack:${edgeId}`,
    deviceId: edgeId,
    detail: `edge ${edgeId} ignored a forged acknowledgement: ${reason}`.slice(0, 1000),
  };
}
