import type { CorrectionTask, EdgeEvent, Evidence, Item, Movement, MovementType, ScanAction } from "@tally/protocols";
import { EMPTY, Observable, type OperatorFunction } from "rxjs";
import type { ScanObservation } from "../domain/observation.js";
import { ReceiptTally } from "../domain/receipt-tally.js";
import type { ReferenceView } from "../domain/reference-view.js";
import { type EventDeps, newMovement, newTask } from "./event-factory.js";

/** The movement each moving action posts; COUNT moves nothing. */
const MOVEMENT_OF: Readonly<Record<Exclude<ScanAction, "COUNT">, MovementType>> = {
  RECEIPT: "RECEIPT",
  PUTAWAY: "PUTAWAY",
  PICK: "PICK",
  SHIP: "SHIPMENT",
  RETURN: "RETURN",
};

/**
 * Barcode scans → movements and tasks, each with the scanner and the
 * operator as evidence. RECEIPT into the scan's location, PUTAWAY from
 * `fromLocation` into it, PICK and SHIP (a SHIPMENT) out of it, RETURN into
 * it; with the barcode's lot and expiry. A COUNT moves nothing: it is sent
 * as a `count:<sku>` telemetry point, which the cloud compares with the
 * ledger (a disagreement is a COUNT_MISMATCH task).
 *
 * Checked like RFID reads, against the reference data (`reference$`, the
 * latest wins): a GTIN missing from the item master is an UNKNOWN_TAG task
 * and moves nothing; a RECEIPT beyond the open expected receipts of its dock
 * (when that dock has any) is an UNEXPECTED_ITEM task beside the movement,
 * tallied in `receipts` shared with the RFID pipeline; a SHIP of a SKU on no
 * open expected shipment (when there are any) is an UNEXPECTED_ITEM task,
 * and one listed only for other docks a WRONG_DOCK task.
 */
export function movementsFromScans(
  deps: EventDeps,
  initialReference: ReferenceView,
  receipts: ReceiptTally = new ReceiptTally(),
  reference$: Observable<ReferenceView> = EMPTY,
): OperatorFunction<ScanObservation, EdgeEvent> {
  return (scans$) =>
    new Observable<EdgeEvent>((subscriber) => {
      let reference = initialReference;
      const references = reference$.subscribe({
        next: (next) => {
          reference = next;
        },
        error: (error: unknown) => subscriber.error(error),
      });
      const scans = scans$.subscribe({
        next: (scan) => {
          for (const event of scanToEvents(deps, reference, receipts, scan)) subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        references.unsubscribe();
        scans.unsubscribe();
      };
    });
}

function scanToEvents(
  deps: EventDeps,
  reference: ReferenceView,
  receipts: ReceiptTally,
  scan: ScanObservation,
): EdgeEvent[] {
  const evidence: Evidence = {
    deviceId: scan.deviceId,
    observationIds: [scan.id],
    ...(scan.operatorId !== undefined ? { operatorId: scan.operatorId } : {}),
  };
  const task = (fields: Omit<CorrectionTask, "kind" | "id" | "siteId" | "occurredAt" | "evidence" | "priority">) =>
    newTask(deps, { occurredAt: scan.at, priority: "normal", evidence, ...fields });
  const item = reference.itemByGtin(scan.gtin);
  if (item === undefined) {
    return [
      task({
        taskType: "UNKNOWN_TAG",
        location: scan.location,
        detail: `scanned GTIN ${scan.gtin} is not in the item master`,
      }),
    ];
  }
  if (scan.action === "COUNT") {
    return [
      {
        kind: "telemetry",
        id: deps.newId(),
        siteId: deps.siteId,
        occurredAt: scan.at,
        deviceId: scan.deviceId,
        metric: `count:${item.sku}`,
        value: scan.qty,
        unit: "units",
        location: scan.location,
        ...(scan.operatorId !== undefined ? { operatorId: scan.operatorId } : {}),
      },
    ];
  }
  const leaves = scan.action === "PICK" || scan.action === "SHIP";
  const where: Pick<Movement, "from" | "to"> =
    scan.action === "PUTAWAY"
      ? { from: scan.fromLocation, to: scan.location }
      : leaves
        ? { from: scan.location }
        : { to: scan.location };
  const movement = newMovement(deps, {
    movementType: MOVEMENT_OF[scan.action],
    occurredAt: scan.at,
    sku: item.sku,
    qty: scan.qty,
    ...where,
    ...(scan.lot !== undefined ? { lot: scan.lot } : {}),
    ...(scan.expiry !== undefined ? { expiry: scan.expiry } : {}),
    evidence,
    confidence: 1,
  });
  const checks =
    scan.action === "RECEIPT"
      ? checkReceipt(reference, receipts, scan, item)
      : scan.action === "SHIP"
        ? checkShipment(reference, scan, item)
        : undefined;
  return checks === undefined ? [movement] : [movement, task(checks)];
}

type TaskFields = Pick<CorrectionTask, "taskType" | "location" | "sku" | "detail"> &
  Partial<Pick<CorrectionTask, "priority">>;

/** RECEIPT: the same rule as a portal's, against the open expected receipts of the scan's dock. */
function checkReceipt(
  reference: ReferenceView,
  receipts: ReceiptTally,
  scan: ScanObservation,
  item: Item,
): TaskFields | undefined {
  const open = reference.openReceiptsAt(scan.location);
  // A dock with no open receipt announced has nothing to check against (as at a portal).
  if (open.length === 0 || receipts.take(open, item.sku, scan.qty) !== undefined) return undefined;
  return {
    taskType: "UNEXPECTED_ITEM",
    location: scan.location,
    sku: item.sku,
    detail: `${scan.qty} × ${item.sku} received at ${scan.location} beyond what its open expected receipts list`,
  };
}

/** SHIP: the SKU must be on an open expected shipment, and one of this dock. */
function checkShipment(reference: ReferenceView, scan: ScanObservation, item: Item): TaskFields | undefined {
  const open = reference.openShipments();
  // A site that announces no shipments has nothing to check against.
  if (open.length === 0) return undefined;
  const listing = open.filter((s) => s.lines.some((l) => l.sku === item.sku));
  if (listing.length === 0) {
    return {
      taskType: "UNEXPECTED_ITEM",
      location: scan.location,
      sku: item.sku,
      priority: "high",
      detail: `${scan.qty} × ${item.sku} shipped from ${scan.location} but no open expected shipment lists it`,
    };
  }
  if (listing.some((s) => s.dock === scan.location)) return undefined;
  return {
    taskType: "WRONG_DOCK",
    location: scan.location,
    sku: item.sku,
    priority: "high",
    detail: `${scan.qty} × ${item.sku} shipped from ${scan.location}; its open shipments leave from ${[...new Set(listing.map((s) => s.dock))].join(", ")}`,
  };
}
