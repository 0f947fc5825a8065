import { describeIssues, ErrorCode, LedgerErrorCode, type Movement, MovementType, Timestamp } from "@tally/protocols";
import { z } from "zod";
import { canonicalJson } from "../ledger/canonical-json.js";
import { derivedId } from "../ledger/derived-id.js";
import { siteOf } from "../ledger/stock-rules.js";
import { eventIdOf, gtinOfSgtinUri, locationFromUrn, movementTypeOf, parseEpcClass } from "./epcis-mapping.js";

const Where = z.object({ id: z.string().min(1).max(500) }).loose();

/** The part of an EPCIS 2.0 ObjectEvent (JSON-LD) the ledger reads; other members are allowed and ignored. */
export const CapturedObjectEvent = z
  .object({
    type: z.literal("ObjectEvent"),
    eventID: z.string().min(1).max(500).optional(),
    eventTime: Timestamp,
    eventTimeZoneOffset: z.string().max(10).optional(),
    action: z.enum(["ADD", "OBSERVE", "DELETE"]),
    epcList: z.array(z.string().min(1).max(200)).max(10_000).optional(),
    quantityList: z
      .array(
        z
          .object({
            epcClass: z.string().min(1).max(500),
            quantity: z.number().int().min(1).max(1_000_000),
            uom: z.string().max(10).optional(),
          })
          .loose(),
      )
      .max(1000)
      .optional(),
    bizStep: z.string().max(200).optional(),
    disposition: z.string().max(200).optional(),
    readPoint: Where.optional(),
    bizLocation: Where.optional(),
    sourceList: z
      .array(z.object({ type: z.string(), source: z.string().max(500) }).loose())
      .max(10)
      .optional(),
    destinationList: z
      .array(z.object({ type: z.string(), destination: z.string().max(500) }).loose())
      .max(10)
      .optional(),
    "tally:movementType": MovementType.optional(),
    "tally:sku": z.string().min(1).max(64).optional(),
  })
  .loose();
export type CapturedObjectEvent = z.infer<typeof CapturedObjectEvent>;

/** The capture body: an EPCIS 2.0 document whose events are checked one by one. */
export const EpcisCaptureDocument = z
  .object({
    "@context": z.unknown().optional(),
    type: z.literal("EPCISDocument"),
    schemaVersion: z.string().max(10),
    creationDate: Timestamp,
    epcisBody: z.object({ eventList: z.array(z.unknown()).min(1).max(10_000) }).loose(),
  })
  .loose();

export interface CaptureRejection {
  index: number;
  eventID?: string;
  code: string;
  reason: string;
}

export type CapturedEvent =
  | { ok: true; eventID: string; movements: Movement[] }
  | { ok: false; rejection: CaptureRejection };

/**
 * One captured EPCIS event → the movements it means: one per EPC (qty 1)
 * and one per quantity element. Ids derive from the eventID (or, without
 * one, from the event's canonical content), so capturing the same event
 * again gives the same movements: a duplicate, not new stock.
 */
export function captureEvent(
  raw: unknown,
  index: number,
  skuOfGtin: (gtin: string) => string | undefined,
): CapturedEvent {
  const reject = (code: string, reason: string, eventID?: string): CapturedEvent => ({
    ok: false,
    rejection: { index, ...(eventID !== undefined && { eventID }), code, reason },
  });
  const type = typeof raw === "object" && raw !== null && "type" in raw ? raw.type : undefined;
  if (
    type === "AggregationEvent" ||
    type === "TransformationEvent" ||
    type === "AssociationEvent" ||
    type === "TransactionEvent"
  ) {
    return reject(
      LedgerErrorCode.EpcisUnsupported,
      `${String(type)} is not captured into the ledger; send ObjectEvents`,
    );
  }
  const parsed = CapturedObjectEvent.safeParse(raw);
  if (!parsed.success) return reject(LedgerErrorCode.EpcisInvalid, describeIssues(parsed.error));
  const e = parsed.data;
  const eventID = e.eventID ?? eventIdOf(canonicalJson(raw));

  const movementType = e["tally:movementType"] ?? movementTypeOf(e.bizStep, e.disposition);
  if (movementType === undefined) {
    return reject(
      LedgerErrorCode.EpcisUnsupported,
      `bizStep ${e.bizStep ?? "(none)"} does not map to a movement`,
      eventID,
    );
  }
  const locations: (string | undefined)[] = [];
  const loc = (urn: string | undefined): string | undefined => {
    if (urn === undefined) return undefined;
    const code = locationFromUrn(urn);
    locations.push(code);
    return code;
  };
  let from = loc(e.sourceList?.find((s) => s.source.startsWith("urn:tally:loc:"))?.source);
  let to = loc(e.destinationList?.find((d) => d.destination.startsWith("urn:tally:loc:"))?.destination);
  const here = loc(e.bizLocation?.id ?? e.readPoint?.id);
  if (from === undefined && to === undefined) {
    const leaves = movementType === "PICK" || movementType === "SHIPMENT" || e.action === "DELETE";
    if (leaves) from = here;
    else to = here;
  } else if (to === undefined && e.action !== "DELETE" && (movementType === "PUTAWAY" || movementType === "TRANSFER")) {
    to = e.bizLocation === undefined ? undefined : loc(e.bizLocation.id);
  }
  if (locations.includes(undefined) || (from === undefined && to === undefined)) {
    return reject(
      LedgerErrorCode.EpcisUnsupported,
      "readPoint, bizLocation, source and destination must be Tally location URNs (urn:tally:loc:SITE:ZONE:BIN)",
      eventID,
    );
  }
  const siteId = siteOf(from ?? to ?? "");
  const base = {
    kind: "movement" as const,
    siteId,
    occurredAt: e.eventTime,
    movementType,
    ...(from !== undefined && { from }),
    ...(to !== undefined && { to }),
    evidence: { deviceId: "epcis", observationIds: [eventID.slice(0, 128)] },
    confidence: 1,
  };
  const movements: Movement[] = [];
  for (const [i, epc] of (e.epcList ?? []).entries()) {
    const gtin = gtinOfSgtinUri(epc);
    const sku = e["tally:sku"] ?? (gtin === undefined ? undefined : skuOfGtin(gtin));
    if (sku === undefined) return reject(ErrorCode.SkuUnknown, `no item for EPC ${epc}`, eventID);
    movements.push({ ...base, id: derivedId(`epcis:${eventID}:epc:${i}`), sku, qty: 1, epc });
  }
  for (const [i, q] of (e.quantityList ?? []).entries()) {
    const cls = parseEpcClass(q.epcClass);
    const sku = e["tally:sku"] ?? cls?.sku ?? (cls?.gtin === undefined ? undefined : skuOfGtin(cls.gtin));
    if (sku === undefined) return reject(ErrorCode.SkuUnknown, `no item for epcClass ${q.epcClass}`, eventID);
    movements.push({
      ...base,
      id: derivedId(`epcis:${eventID}:qty:${i}`),
      sku,
      qty: q.quantity,
      ...(cls?.lot !== undefined && { lot: cls.lot }),
    });
  }
  if (movements.length === 0)
    return reject(LedgerErrorCode.EpcisInvalid, "the event names no EPC and no quantity", eventID);
  return { ok: true, eventID, movements };
}
