import type { CorrectionTask } from "@tally/protocols";
import { derivedId } from "../ledger/derived-id.js";
import type { ExcursionRecord, StockAtRisk } from "./excursion-record.js";
import { lotsAtRisk } from "./stock-at-risk.js";

/**
 * One QUARANTINE correction task per (sku, lot) at risk. Each task's id and
 * content derive from the excursion and the lot alone, so committing them
 * again is a duplicate: a second hold makes no task.
 */
export function quarantineTasks(record: ExcursionRecord, stock: readonly StockAtRisk[]): CorrectionTask[] {
  return lotsAtRisk(stock).flatMap((lot) => {
    const location = lot.locations[0];
    if (location === undefined) return [];
    const what = `${lot.sku}${lot.lot !== undefined ? ` lot ${lot.lot}` : ""}`;
    const task: CorrectionTask = {
      kind: "task",
      id: derivedId(`quarantine:${record.id}:${lot.sku}:${lot.lot ?? ""}`),
      siteId: record.siteId,
      occurredAt: record.startedAt,
      taskType: "QUARANTINE",
      location,
      sku: lot.sku,
      priority: "high",
      // Only what never changes for this excursion and lot (not units, peak or end): a later hold is a duplicate.
      detail: `hold ${what}: it was in zone ${record.zone ?? "?"} during the temperature excursion of ${record.deviceId} from ${record.startedAt} (excursion ${record.id})`,
      evidence: { deviceId: record.deviceId, observationIds: [record.id] },
    };
    return [task];
  });
}
