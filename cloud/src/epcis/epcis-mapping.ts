import { gs1CheckDigit, type Movement, type MovementType } from "@tally/protocols";
import { contentHash } from "../ledger/canonical-json.js";
import type { RawReading } from "../telemetry/telemetry-store.js";

/**
 * Tally's mapping to and from EPCIS 2.0 JSON-LD (GS1 EPCIS 2.0 §7, CBV 2.0);
 * decision 0021 explains the choices.
 */

export const EPCIS_CONTEXT: unknown[] = [
  "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
  { tally: "urn:tally:epcis:" },
];

/** Location codes `SITE/ZONE/BIN` as URNs: `urn:tally:loc:SITE:ZONE:BIN` (codes never hold ':'). */
export function locationUrn(code: string): string {
  return `urn:tally:loc:${code.replaceAll("/", ":")}`;
}

export function locationFromUrn(urn: string): string | undefined {
  const match = /^urn:tally:loc:([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+)$/.exec(urn);
  return match === null ? undefined : `${match[1]}/${match[2]}/${match[3]}`;
}

/** A stable EPCIS eventID from a name (a movement id): `ni:///sha-256;<hex>?ver=CBV2.0` (RFC 6920 form). */
export function eventIdOf(name: string): string {
  return `ni:///sha-256;${contentHash(name)}?ver=CBV2.0`;
}

/** CBV 2.0 business step and disposition per movement type. */
const BIZ: Record<MovementType, { bizStep: string; disposition?: string }> = {
  RECEIPT: { bizStep: "receiving", disposition: "in_progress" },
  PUTAWAY: { bizStep: "storing", disposition: "sellable_not_accessible" },
  TRANSFER: { bizStep: "storing", disposition: "sellable_not_accessible" },
  PICK: { bizStep: "picking", disposition: "in_progress" },
  SHIPMENT: { bizStep: "shipping", disposition: "in_transit" },
  RETURN: { bizStep: "receiving", disposition: "returned" },
  ADJUSTMENT: { bizStep: "stock_taking" },
  COUNT: { bizStep: "cycle_counting" },
};

/** The movement type a captured event's bizStep means, when the event does not say (`tally:movementType`). */
const FROM_BIZ_STEP: Record<string, MovementType> = {
  receiving: "RECEIPT",
  arriving: "RECEIPT",
  accepting: "RECEIPT",
  storing: "PUTAWAY",
  stocking: "PUTAWAY",
  picking: "PICK",
  shipping: "SHIPMENT",
  departing: "SHIPMENT",
  stock_taking: "ADJUSTMENT",
  transporting: "TRANSFER",
};

/** A CBV bizStep as a bare word or a URI (`https://ref.gs1.org/cbv/BizStep-receiving`, `urn:epcglobal:cbv:bizstep:receiving`). */
export function bareCbv(value: string): string {
  const match = /(?:BizStep-|Disp-|bizstep:|disp:)([a-z_]+)$/.exec(value);
  return match?.[1] ?? value;
}

export function movementTypeOf(bizStep: string | undefined, disposition: string | undefined): MovementType | undefined {
  if (bizStep === undefined) return undefined;
  const step = bareCbv(bizStep);
  if (step === "receiving" && disposition !== undefined && bareCbv(disposition) === "returned") return "RETURN";
  return FROM_BIZ_STEP[step];
}

/** What a non-serialised quantity is of: a GS1 Digital Link with the item's GTIN (and lot), else `urn:tally:sku:<sku>`. */
export function epcClassOf(sku: string, gtin: string | undefined, lot: string | undefined): string {
  if (gtin === undefined) return `urn:tally:sku:${encodeURIComponent(sku)}`;
  return `https://id.gs1.org/01/${gtin}${lot === undefined ? "" : `/10/${encodeURIComponent(lot)}`}`;
}

/** The GTIN or SKU an epcClass names, and its lot. */
export function parseEpcClass(epcClass: string): { gtin?: string; sku?: string; lot?: string } | undefined {
  const dl = /^https?:\/\/[^/]+\/01\/(\d{14})(?:\/10\/([^/?#]+))?(?:[?#].*)?$/.exec(epcClass);
  if (dl?.[1] !== undefined) {
    return { gtin: dl[1], ...(dl[2] !== undefined && { lot: decodeURIComponent(dl[2]) }) };
  }
  const own = /^urn:tally:sku:(.+)$/.exec(epcClass);
  if (own?.[1] !== undefined) return { sku: decodeURIComponent(own[1]) };
  return undefined;
}

/** The GTIN-14 of an SGTIN pure identity URI (`urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial`, TDS §6.3.1). */
export function gtinOfSgtinUri(uri: string): string | undefined {
  const match = /^urn:epc:id:sgtin:(\d+)\.(\d+)\.[^.]+$/.exec(uri);
  const prefix = match?.[1];
  const itemRef = match?.[2];
  if (prefix === undefined || itemRef === undefined || prefix.length + itemRef.length !== 13) return undefined;
  const digits = `${itemRef.slice(0, 1)}${prefix}${itemRef.slice(1)}`;
  return `${digits}${gs1CheckDigit(digits)}`;
}

/** An SSCC as a GS1 Digital Link URI (the company prefix length is not known here, so not an EPC URN). */
export const ssccUri = (sscc: string): string => `https://id.gs1.org/00/${sscc}`;

/**
 * The 18-digit SSCC an AggregationEvent's parentID names: a GS1 Digital
 * Link (`https://<any host>/00/<SSCC>`) or an SSCC pure identity URI
 * (`urn:epc:id:sscc:CompanyPrefix.SerialReference`, TDS §6.3.2: the
 * serial reference's first digit is the extension digit). Undefined for
 * anything else or a wrong check digit.
 */
export function ssccOfParentId(parentId: string): string | undefined {
  let digits: string | undefined;
  const dl = /^https?:\/\/[^/]+\/00\/(\d{18})(?:[?#].*)?$/.exec(parentId);
  if (dl?.[1] !== undefined) digits = dl[1];
  const urn = /^urn:epc:id:sscc:(\d+)\.(\d+)$/.exec(parentId);
  const prefix = urn?.[1];
  const serial = urn?.[2];
  if (prefix !== undefined && serial !== undefined && prefix.length + serial.length === 17) {
    const body = `${serial.slice(0, 1)}${prefix}${serial.slice(1)}`;
    digits = `${body}${gs1CheckDigit(body)}`;
  }
  if (digits === undefined || Number(digits.slice(17)) !== gs1CheckDigit(digits.slice(0, 17))) return undefined;
  return digits;
}

export interface EpcisEvent {
  type: "ObjectEvent" | "AggregationEvent";
  eventID: string;
  eventTime: string;
  eventTimeZoneOffset: string;
  action: "ADD" | "OBSERVE" | "DELETE";
  [key: string]: unknown;
}

function whereFields(m: Movement): Record<string, unknown> {
  const at = m.to ?? m.from;
  return {
    ...(at !== undefined && { readPoint: { id: locationUrn(at) } }),
    ...(m.to !== undefined && { bizLocation: { id: locationUrn(m.to) } }),
    ...(m.from !== undefined && { sourceList: [{ type: "location", source: locationUrn(m.from) }] }),
    ...(m.to !== undefined && { destinationList: [{ type: "location", destination: locationUrn(m.to) }] }),
  };
}

function whyFields(m: Movement): Record<string, unknown> {
  const biz = BIZ[m.movementType];
  return {
    bizStep: biz.bizStep,
    ...(biz.disposition !== undefined && { disposition: biz.disposition }),
    "tally:movementType": m.movementType,
    "tally:sku": m.sku,
    // A serialised unit's lot has no place in an epcList or childEPCs (ILMD is for ADD events only), nor has
    // a quantity's without a GTIN (`urn:tally:sku:` classes).
    ...(m.lot !== undefined && { "tally:lot": m.lot }),
  };
}

/**
 * One ObjectEvent per movement: the EPC in `epcList` when serialised, else
 * the quantity in `quantityList`. Movements that travel on a pallet (SSCC)
 * become one AggregationEvent (action OBSERVE) per (SSCC, type, time,
 * locations, SKU, lot): parentID the SSCC, childEPCs the units,
 * childQuantityList the quantities. Order follows the
 * movements (a pallet where its first unit was).
 */
export function movementsToEpcis(
  movements: readonly Movement[],
  gtinOf: (sku: string) => string | undefined,
): EpcisEvent[] {
  const order: ({ unit: Movement } | { pallet: Movement[] })[] = [];
  const pallets = new Map<string, Movement[]>();
  for (const m of movements) {
    if (m.sscc === undefined) {
      order.push({ unit: m });
      continue;
    }
    // One SKU and lot per event: `tally:sku` and `tally:lot` speak for every child.
    const key = JSON.stringify([m.sscc, m.movementType, m.occurredAt, m.from, m.to, m.sku, m.lot]);
    const members = pallets.get(key);
    if (members !== undefined) members.push(m);
    else {
      const fresh = [m];
      pallets.set(key, fresh);
      order.push({ pallet: fresh });
    }
  }
  return order.map((entry) =>
    "unit" in entry ? objectEvent(entry.unit, gtinOf) : aggregationEvent(entry.pallet, gtinOf),
  );
}

function actionOf(m: Movement): EpcisEvent["action"] {
  if (m.to === undefined) return "DELETE";
  return m.from === undefined && m.movementType === "RECEIPT" ? "ADD" : "OBSERVE";
}

function objectEvent(m: Movement, gtinOf: (sku: string) => string | undefined): EpcisEvent {
  return {
    type: "ObjectEvent",
    eventID: eventIdOf(m.id),
    eventTime: m.occurredAt,
    eventTimeZoneOffset: "+00:00",
    action: actionOf(m),
    ...(m.epc !== undefined
      ? { epcList: [m.epc] }
      : { epcList: [], quantityList: [{ epcClass: epcClassOf(m.sku, gtinOf(m.sku), m.lot), quantity: m.qty }] }),
    ...whyFields(m),
    ...whereFields(m),
    "tally:movementId": m.id,
  };
}

function aggregationEvent(members: readonly Movement[], gtinOf: (sku: string) => string | undefined): EpcisEvent {
  const first = members[0];
  if (first === undefined) throw new Error("an aggregation needs at least one movement");
  const quantities = members.filter((m) => m.epc === undefined);
  return {
    type: "AggregationEvent",
    eventID: eventIdOf(members.map((m) => m.id).join(",")),
    eventTime: first.occurredAt,
    eventTimeZoneOffset: "+00:00",
    // EPCIS 2.0 §7.4.3: ADD and DELETE on an aggregation mean packing and unpacking; a pallet that moves
    // with its contents is an observed aggregation. The direction is in bizStep, source and destination.
    action: "OBSERVE",
    parentID: ssccUri(first.sscc ?? ""),
    childEPCs: members.flatMap((m) => (m.epc === undefined ? [] : [m.epc])),
    ...(quantities.length > 0 && {
      childQuantityList: quantities.map((m) => ({
        epcClass: epcClassOf(m.sku, gtinOf(m.sku), m.lot),
        quantity: m.qty,
      })),
    }),
    ...whyFields(first),
    ...whereFields(first),
    "tally:movementIds": members.map((m) => m.id),
  };
}

/** A temperature point of the telemetry store as an ObjectEvent with a sensorElementList (bizStep sensor_reporting, no objects). */
export function temperatureToEpcis(t: RawReading): EpcisEvent {
  const uom = t.unit === "°F" ? "FAH" : "CEL";
  // EPCIS 2.0 §7.3.6: a report over a period carries its start and end times and min/max/mean values.
  const summary =
    t.periodS !== undefined && t.min !== undefined && t.max !== undefined
      ? {
          sensorMetadata: {
            startTime: t.at,
            endTime: new Date(Date.parse(t.at) + t.periodS * 1000).toISOString(),
            deviceID: `urn:tally:device:${t.deviceId}`,
          },
          sensorReport: [{ type: "gs1:Temperature", minValue: t.min, maxValue: t.max, meanValue: t.value, uom }],
        }
      : undefined;
  return {
    type: "ObjectEvent",
    // The telemetry store keys a point by its series and time: so does its event id.
    eventID: eventIdOf(`telemetry:${t.siteId}:${t.deviceId}:${t.metric}:${t.at}${t.detail === true ? ":detail" : ""}`),
    eventTime: t.at,
    eventTimeZoneOffset: "+00:00",
    action: "OBSERVE",
    epcList: [],
    bizStep: "sensor_reporting",
    ...(t.location !== undefined && { readPoint: { id: locationUrn(t.location) } }),
    sensorElementList: [
      summary ?? {
        sensorMetadata: { time: t.at, deviceID: `urn:tally:device:${t.deviceId}` },
        sensorReport: [{ type: "gs1:Temperature", value: t.value, uom }],
      },
    ],
  };
}

/** The EPCIS 2.0 document around a list of events. */
export function epcisDocument(events: readonly EpcisEvent[], now: Date) {
  return {
    "@context": [...EPCIS_CONTEXT],
    type: "EPCISDocument" as const,
    schemaVersion: "2.0" as const,
    creationDate: now.toISOString(),
    epcisBody: { eventList: [...events] },
  };
}
