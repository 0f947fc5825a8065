import type { EdgeEvent } from "@tally/protocols";
import { map, type OperatorFunction } from "rxjs";
import type { ScanObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import { type EventDeps, newMovement, newTask } from "./event-factory.js";

/**
 * Barcode scans → movements: RECEIPT into the scan's location, PUTAWAY from
 * `fromLocation` into it, PICK out of it. A GTIN missing from the item master
 * becomes an UNKNOWN_TAG correction task.
 */
export function movementsFromScans(site: SiteIndex, deps: EventDeps): OperatorFunction<ScanObservation, EdgeEvent> {
  return map((scan): EdgeEvent => {
    const evidence = { deviceId: scan.deviceId, observationIds: [scan.id] };
    const item = site.itemByGtin(scan.gtin);
    if (item === undefined) {
      return newTask(deps, {
        taskType: "UNKNOWN_TAG",
        occurredAt: scan.at,
        location: scan.location,
        priority: "normal",
        detail: `scanned GTIN ${scan.gtin} is not in the item master`,
        evidence,
      });
    }
    const where =
      scan.action === "RECEIPT"
        ? { to: scan.location }
        : scan.action === "PICK"
          ? { from: scan.location }
          : { from: scan.fromLocation, to: scan.location };
    return newMovement(deps, {
      movementType: scan.action,
      occurredAt: scan.at,
      sku: item.sku,
      qty: scan.qty,
      ...where,
      ...(scan.lot !== undefined ? { lot: scan.lot } : {}),
      evidence,
      confidence: 1,
    });
  });
}
