import type { DecodedEpc, EdgeEvent, Movement } from "@tally/protocols";
import type { SiteIndex } from "./site-index.js";

/**
 * What the edge knows of one tagged thing after the last movement it made
 * for it: which portal it crossed, which way and when, and where the goods
 * went. Kept with the movement (in the outbox's transaction) so that a
 * restart neither repeats the movement nor forgets where the goods are.
 */
export interface TagWhereabouts {
  /** The tag's identity: `tagKey` (an SGTIN's pure identity URI, `sscc:<18 digits>` for a pallet). */
  tag: string;
  portalId: string;
  direction: "inbound" | "outbound";
  /** When it crossed (the movement's occurredAt), ms since the epoch. */
  atMs: number;
  /** Where the goods went (a RECEIPT's or TRANSFER's `to`); null once shipped: they left the site. */
  location: string | null;
}

/**
 * The latest movement of a SKU from one location to another made without
 * serials (a putaway scan): tagged goods of that SKU last known there before
 * it are taken to have gone along.
 */
export interface SkuMove {
  from: string;
  sku: string;
  to: string;
  /** When it moved (the movement's occurredAt), ms since the epoch. */
  atMs: number;
}

/** What the RFID pipelines keep across a restart. */
export interface TagMemory {
  tags: TagWhereabouts[];
  skuMoves: SkuMove[];
}

/**
 * One key per tagged thing, the same from a decoded EPC and from the
 * movement made for it: an SGTIN (96 or 198 bits) is its pure identity URI,
 * a pallet its SSCC; any other tag its EPC hex (those make no movement).
 */
export function tagKey(epcHex: string, decoded: { ok: true; value: DecodedEpc } | { ok: false }): string {
  if (!decoded.ok) return epcHex;
  const value = decoded.value;
  if (value.scheme === "sscc-96") return `sscc:${value.sscc}`;
  if (value.scheme === "sgtin-96" || value.scheme === "sgtin-198") return value.pureIdentityUri;
  return epcHex;
}

/** The key of the tagged thing a movement moved: its serial (EPC URI) or its pallet. */
export function tagKeyOfMovement(movement: Movement): string | undefined {
  if (movement.epc !== undefined) return movement.epc;
  if (movement.sscc !== undefined) return `sscc:${movement.sscc}`;
  return undefined;
}

/**
 * The whereabouts an event records, if it is a movement an RFID portal of
 * the site made (RECEIPT in, SHIPMENT out, TRANSFER through a zone portal,
 * inbound when it went to the inside). Anything else records nothing.
 */
export function whereaboutsOf(site: SiteIndex, event: EdgeEvent): TagWhereabouts | undefined {
  if (event.kind !== "movement") return undefined;
  const portal = site.device(event.evidence.deviceId);
  if (portal?.kind !== "rfid-portal") return undefined;
  const tag = tagKeyOfMovement(event);
  const atMs = Date.parse(event.occurredAt);
  if (tag === undefined || !Number.isFinite(atMs)) return undefined;
  switch (event.movementType) {
    case "RECEIPT":
      return { tag, portalId: portal.id, direction: "inbound", atMs, location: event.to ?? portal.location };
    case "SHIPMENT":
      return { tag, portalId: portal.id, direction: "outbound", atMs, location: null };
    case "TRANSFER": {
      if (event.to === undefined) return undefined;
      const inbound = portal.zonePortal !== undefined && event.to === portal.zonePortal.inside;
      return { tag, portalId: portal.id, direction: inbound ? "inbound" : "outbound", atMs, location: event.to };
    }
    default:
      return undefined;
  }
}

/** The SKU move an event records: a movement from one location to another that names no serial or pallet. */
export function skuMoveOf(event: EdgeEvent): SkuMove | undefined {
  if (event.kind !== "movement" || event.epc !== undefined || event.sscc !== undefined) return undefined;
  if (event.from === undefined || event.to === undefined || event.from === event.to) return undefined;
  const atMs = Date.parse(event.occurredAt);
  if (!Number.isFinite(atMs)) return undefined;
  return { from: event.from, sku: event.sku, to: event.to, atMs };
}
