import { z } from "zod";

/**
 * A temperature excursion as the cloud keeps it: one per (siteId, deviceId, startedAt), built from the
 * TEMPERATURE_EXCURSION conditions of the edge (times are device time, as the edge sent them).
 */
export const ExcursionRecord = z.object({
  /** Derived from (siteId, deviceId, startedAt): the same excursion always has the same id. */
  id: z.string(),
  siteId: z.string(),
  deviceId: z.string(),
  /** The sensor's location code `SITE/ZONE/BIN`, when the condition named it. */
  location: z.string().optional(),
  /** The middle part of the location: the zone whose stock is at risk. */
  zone: z.string().optional(),
  status: z.enum(["open", "closed"]),
  /** Device time of the first reading outside the range. */
  startedAt: z.string(),
  /** When the edge raised it (its grace ran out), device time. */
  raisedAt: z.string(),
  /** Device time of the first reading back inside the range (closed only). */
  endedAt: z.string().optional(),
  side: z.enum(["above", "below"]),
  /** °C */
  limit: z.number(),
  /** The reading furthest outside the limit, °C. */
  peak: z.number(),
  durationS: z.number(),
  /** °C·min outside the range. */
  degreeMinutes: z.number(),
  /** Seconds without readings during the excursion. */
  unknownS: z.number(),
  graceS: z.number(),
  hysteresisC: z.number(),
  /** The TEMPERATURE_EXCURSION alert its raise made, when known. */
  alertId: z.string().optional(),
});
export type ExcursionRecord = z.infer<typeof ExcursionRecord>;

/** Stock that was in the excursion's zone while it lasted: units present at its start plus those that arrived. */
export const StockAtRisk = z.object({
  sku: z.string(),
  lot: z.string().optional(),
  /** The serialised unit, for stock moved by EPC. */
  epc: z.string().optional(),
  quantity: z.number(),
  /** Locations of the zone where it was during the excursion, sorted. */
  locations: z.array(z.string()),
});
export type StockAtRisk = z.infer<typeof StockAtRisk>;

/** The zone segment of a location code `SITE/ZONE/BIN`. */
export function zoneOf(location: string | undefined): string | undefined {
  if (location === undefined) return undefined;
  const parts = location.split("/");
  return parts.length >= 3 ? parts[1] : undefined;
}
