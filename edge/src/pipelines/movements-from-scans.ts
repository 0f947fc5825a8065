import type { EdgeEvent } from "@tally/protocols";
import { map, type OperatorFunction } from "rxjs";
import type { ScanObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import { type EventDeps, newMovement, newTask } from "./event-factory.js";

/**
 * Barcode scans → movements: RECEIPT into the scan's location, PUTAWAY from
 * `fromLocation` into it, PICK out of it, with the barcode's lot and expiry.
 * A GTIN missing from the item master becomes an UNKNOWN_TAG correction task.
 * A COUNT scan moves nothing: it is sent as a `count` telemetry point for the
 * cloud to compare with the ledger.
 */
export function movementsFromScans(site: SiteIndex, deps: EventDeps): OperatorFunction<ScanObservation, EdgeEvent> {
  return map((scan) => scanToEvent(site, deps, scan));
}

function scanToEvent(site: SiteIndex, deps: EventDeps, scan: ScanObservation): EdgeEvent {
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
  if (scan.action === "COUNT") {
    return {
      kind: "telemetry",
      id: deps.newId(),
      siteId: deps.siteId,
      occurredAt: scan.at,
      deviceId: scan.deviceId,
      metric: `count:${item.sku}`,
      value: scan.qty,
      unit: "units",
      location: scan.location,
    };
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
    ...(scan.expiry !== undefined ? { expiry: scan.expiry } : {}),
    evidence,
    confidence: 1,
  });
}
