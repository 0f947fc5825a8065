import { decodeSgtin96, type EdgeEvent } from "@tally/protocols";
import { asyncScheduler, defer, EMPTY, mergeMap, type OperatorFunction, of, type SchedulerLike } from "rxjs";
import type { TagReadObservation } from "../domain/observation.js";
import type { SiteIndex } from "../domain/site-index.js";
import { BoundedRecency } from "./bounded-recency.js";
import { type EventDeps, newMovement, newTask } from "./event-factory.js";

export interface MovementsFromReadsConfig {
  /** How long a tag is remembered at a portal after its last read, ms. */
  dedupeTtlMs: number;
  /** Most tags remembered at once across all portals. */
  maxTags: number;
}

export const DEFAULT_READS_CONFIG: MovementsFromReadsConfig = { dedupeTtlMs: 30 * 60_000, maxTags: 200_000 };

/**
 * Tag reads at dock portals → one movement per tag and portal, however often
 * it is read while it stays remembered: RECEIPT to an inbound door, SHIPMENT
 * from an outbound one. A tag that is not an SGTIN of a known GTIN becomes an
 * UNKNOWN_TAG correction task instead (also once).
 */
export function movementsFromReads(
  site: SiteIndex,
  deps: EventDeps,
  config: MovementsFromReadsConfig = DEFAULT_READS_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<TagReadObservation, EdgeEvent> {
  return (reads$) =>
    defer(() => {
      const seen = new BoundedRecency(config.dedupeTtlMs, config.maxTags);
      return reads$.pipe(
        mergeMap((read) => {
          const portal = site.device(read.deviceId);
          if (portal?.kind !== "rfid-portal") return EMPTY;
          if (!seen.touch(`${read.deviceId}|${read.epc}`, scheduler.now())) return EMPTY;
          const evidence = { deviceId: read.deviceId, observationIds: [read.id] };
          const decoded = decodeSgtin96(read.epc);
          const item = decoded.ok ? site.itemByGtin(decoded.value.gtin) : undefined;
          if (!decoded.ok || item === undefined) {
            const detail = decoded.ok
              ? `GTIN ${decoded.value.gtin} (${decoded.value.pureIdentityUri}) is not in the item master`
              : `EPC ${read.epc} is not an SGTIN-96: ${decoded.error.message}`;
            return of(
              newTask(deps, {
                taskType: "UNKNOWN_TAG",
                occurredAt: read.at,
                location: portal.location,
                epc: decoded.ok ? decoded.value.pureIdentityUri : read.epc,
                priority: "normal",
                detail,
                evidence,
              }),
            );
          }
          const inbound = portal.direction === "inbound";
          return of(
            newMovement(deps, {
              movementType: inbound ? "RECEIPT" : "SHIPMENT",
              occurredAt: read.at,
              sku: item.sku,
              qty: 1,
              ...(inbound ? { to: portal.location } : { from: portal.location }),
              epc: decoded.value.pureIdentityUri,
              evidence,
              confidence: 1,
            }),
          );
        }),
      );
    });
}
