import {
  describeIssues,
  ErrorCode,
  LedgerErrorCode,
  type Movement,
  MovementType,
  safeParseUntrusted,
  Timestamp,
} from "@tally/protocols";
import { z } from "zod";
import { canonicalJson } from "../ledger/canonical-json.js";
import { derivedId } from "../ledger/derived-id.js";
import { siteOf } from "../ledger/stock-rules.js";
import {
  eventIdOf,
  gtinOfSgtinUri,
  locationFromUrn,
  movementTypeOf,
  parseEpcClass,
  ssccOfParentId,
} from "./epcis-mapping.js";

const Where = z.object({ id: z.string().min(1).max(500) }).loose();

const QuantityElement = z
  .object({
    epcClass: z.string().min(1).max(500),
    quantity: z.number().int().min(1).max(1_000_000),
    uom: z.string().max(10).optional(),
  })
  .loose();

/** What ObjectEvents and AggregationEvents share: when, why, where, and Tally's own members. */
const common = {
  eventID: z.string().min(1).max(500).optional(),
  eventTime: Timestamp,
  eventTimeZoneOffset: z.string().max(10).optional(),
  action: z.enum(["ADD", "OBSERVE", "DELETE"]),
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
  /** The lot of the serialised units (EPCs), and of quantities whose epcClass has none. */
  "tally:lot": z.string().min(1).max(20).optional(),
};

/** The part of an EPCIS 2.0 ObjectEvent (JSON-LD) the ledger reads; other members are allowed and ignored. */
export const CapturedObjectEvent = z
  .object({
    type: z.literal("ObjectEvent"),
    ...common,
    epcList: z.array(z.string().min(1).max(200)).max(10_000).optional(),
    quantityList: z.array(QuantityElement).max(1000).optional(),
  })
  .loose();
export type CapturedObjectEvent = z.infer<typeof CapturedObjectEvent>;

/**
 * The part of an EPCIS 2.0 AggregationEvent (§7.4.3) the ledger reads: a
 * parent (an SSCC: the pallet) and its children (EPCs and quantities).
 */
export const CapturedAggregationEvent = z
  .object({
    type: z.literal("AggregationEvent"),
    ...common,
    parentID: z.string().min(1).max(500).optional(),
    childEPCs: z.array(z.string().min(1).max(200)).max(10_000).optional(),
    childQuantityList: z.array(QuantityElement).max(1000).optional(),
  })
  .loose();
export type CapturedAggregationEvent = z.infer<typeof CapturedAggregationEvent>;

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
 *
 * An AggregationEvent (decision 0040) moves its children: they go where
 * its bizStep and locations say, each movement carrying the parent's SSCC
 * (off the pallet after a DELETE: no SSCC). Packing or unpacking in place
 * (a bizStep that is no movement) changes no stock and is refused.
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
  if (type === "TransformationEvent" || type === "AssociationEvent" || type === "TransactionEvent") {
    return reject(
      LedgerErrorCode.EpcisUnsupported,
      `${String(type)} is not captured into the ledger; send ObjectEvents or AggregationEvents`,
    );
  }
  const parsed =
    type === "AggregationEvent"
      ? safeParseUntrusted(CapturedAggregationEvent, raw)
      : safeParseUntrusted(CapturedObjectEvent, raw);
  if (!parsed.success) return reject(LedgerErrorCode.EpcisInvalid, describeIssues(parsed.error));
  const e = parsed.data;
  const eventID = e.eventID ?? eventIdOf(canonicalJson(raw));
  const aggregation = e.type === "AggregationEvent";

  let sscc: string | undefined;
  if (e.type === "AggregationEvent") {
    if (e.parentID === undefined) {
      return reject(LedgerErrorCode.EpcisInvalid, "an AggregationEvent needs a parentID (the pallet's SSCC)", eventID);
    }
    sscc = ssccOfParentId(e.parentID);
    if (sscc === undefined) {
      return reject(
        LedgerErrorCode.EpcisUnsupported,
        `parentID ${e.parentID} is not an SSCC (https://id.gs1.org/00/<SSCC> or urn:epc:id:sscc:…) with a valid check digit`,
        eventID,
      );
    }
  }

  const movementType = e["tally:movementType"] ?? movementTypeOf(e.bizStep, e.disposition);
  if (movementType === undefined) {
    return reject(
      LedgerErrorCode.EpcisUnsupported,
      aggregation
        ? `bizStep ${e.bizStep ?? "(none)"} is no movement: packing or unpacking in place changes no stock (decision 0040)`
        : `bizStep ${e.bizStep ?? "(none)"} does not map to a movement`,
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
  // DELETE on an ObjectEvent: the objects leave; on an AggregationEvent it only takes children off the parent.
  const deleted = e.action === "DELETE" && !aggregation;
  if (from === undefined && to === undefined) {
    const leaves = movementType === "PICK" || movementType === "SHIPMENT" || deleted;
    if (leaves) from = here;
    else to = here;
  } else if (to === undefined && !deleted && (movementType === "PUTAWAY" || movementType === "TRANSFER")) {
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
  const onPallet = sscc !== undefined && e.action !== "DELETE" ? { sscc } : {};
  const base = {
    kind: "movement" as const,
    siteId,
    occurredAt: e.eventTime,
    movementType,
    ...(from !== undefined && { from }),
    ...(to !== undefined && { to }),
    ...onPallet,
    evidence: { deviceId: "epcis", observationIds: [eventID.slice(0, 128)] },
    confidence: 1,
  };
  const epcs = e.type === "AggregationEvent" ? e.childEPCs : e.epcList;
  const quantities = e.type === "AggregationEvent" ? e.childQuantityList : e.quantityList;
  const movements: Movement[] = [];
  for (const [i, epc] of (epcs ?? []).entries()) {
    const gtin = gtinOfSgtinUri(epc);
    const sku = e["tally:sku"] ?? (gtin === undefined ? undefined : skuOfGtin(gtin));
    if (sku === undefined) return reject(ErrorCode.SkuUnknown, `no item for EPC ${epc}`, eventID);
    const lot = e["tally:lot"];
    movements.push({
      ...base,
      id: derivedId(`epcis:${eventID}:epc:${i}`),
      sku,
      qty: 1,
      epc,
      ...(lot !== undefined && { lot }),
    });
  }
  for (const [i, q] of (quantities ?? []).entries()) {
    const cls = parseEpcClass(q.epcClass);
    const sku = e["tally:sku"] ?? cls?.sku ?? (cls?.gtin === undefined ? undefined : skuOfGtin(cls.gtin));
    if (sku === undefined) return reject(ErrorCode.SkuUnknown, `no item for epcClass ${q.epcClass}`, eventID);
    const lot = cls?.lot ?? e["tally:lot"];
    movements.push({
      ...base,
      id: derivedId(`epcis:${eventID}:qty:${i}`),
      sku,
      qty: q.quantity,
      ...(lot !== undefined && { lot }),
    });
  }
  if (movements.length === 0) {
    return reject(
      LedgerErrorCode.EpcisInvalid,
      aggregation ? "the event names no child EPC and no child quantity" : "the event names no EPC and no quantity",
      eventID,
    );
  }
  return { ok: true, eventID, movements };
}
