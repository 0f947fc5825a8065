import type { CorrectionTask, Movement } from "@tally/protocols";
import type { Alert } from "../alerts/alert.js";
import { derivedId } from "./derived-id.js";
import { negativeStockKey } from "./stock-rules.js";

/**
 * A movement that takes a position below zero contradicts the ledger: the
 * units it moved out were not there by the ledger's count (a pick scanned at
 * an empty bin, a shipment of stock never received). Besides the
 * NEGATIVE_STOCK alert, each time that alert is raised the movement that did
 * it — the batch's last one out of that position — gets a COUNT_MISMATCH task
 * to count the location, with the movement's device and operator as
 * evidence. Its id derives from the movement's, so a resend opens none twice;
 * while the position stays negative no further task is opened (the alert is
 * not raised again).
 */
export function negativeStockTasks(raised: readonly Alert[], movements: readonly Movement[]): CorrectionTask[] {
  const tasks: CorrectionTask[] = [];
  for (const alert of raised) {
    if (alert.kind !== "NEGATIVE_STOCK") continue;
    const culprit = movements.findLast(
      (m) => m.from !== undefined && negativeStockKey(m.sku, m.from, m.lot ?? "") === alert.dedupKey,
    );
    if (culprit?.from === undefined) continue;
    tasks.push({
      kind: "task",
      id: derivedId(`negative-stock:${culprit.id}`),
      siteId: culprit.siteId,
      occurredAt: culprit.occurredAt,
      taskType: "COUNT_MISMATCH",
      location: culprit.from,
      sku: culprit.sku,
      ...(culprit.epc !== undefined && { epc: culprit.epc }),
      priority: "high",
      detail: `${culprit.movementType} of ${culprit.qty} ${culprit.sku}${culprit.lot === undefined ? "" : ` lot ${culprit.lot}`} from ${culprit.from} left the ledger at ${alert.value ?? "below zero"}: count the location (movement ${culprit.id})`,
      evidence: {
        deviceId: culprit.evidence.deviceId,
        observationIds: [culprit.id],
        ...(culprit.evidence.operatorId !== undefined && { operatorId: culprit.evidence.operatorId }),
      },
    });
  }
  return tasks;
}
