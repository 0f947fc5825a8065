import {
  type CorrectionTask,
  type CorrectionTaskType,
  canonicalTimestampMs,
  decodeEpc,
  type EdgeEvent,
  type Item,
  type Movement,
  type RfidPortalDevice,
} from "@tally/protocols";
import { asyncScheduler, EMPTY, Observable, type SchedulerLike } from "rxjs";
import { ReceiptTally } from "../domain/receipt-tally.js";
import type { ReferenceView } from "../domain/reference-view.js";
import type { SiteIndex } from "../domain/site-index.js";
import {
  type SkuMove,
  skuMoveOf,
  type TagMemory,
  tagKey,
  tagKeyOfMovement,
  whereaboutsOf,
} from "../domain/tag-whereabouts.js";
import { BoundedLru } from "./bounded-lru.js";
import type { TagPass } from "./detect-passes.js";
import { type EventDeps, newMovement, newTask } from "./event-factory.js";
import { TwoGenerationCache } from "./two-generation-cache.js";

export interface RfidEventsConfig {
  /**
   * A tag passing the same portal in the same direction again within this
   * long (device time) of its last movement there, with no other movement in
   * between, is the same pass split in two: no second movement, ms.
   */
  dedupeTtlMs: number;
  /** Most tags whose last movement, and whose goods' last known location, are remembered. */
  maxTags: number;
}

export const DEFAULT_RFID_EVENTS_CONFIG: RfidEventsConfig = { dedupeTtlMs: 30 * 60_000, maxTags: 200_000 };

/** EPC decodes remembered, per generation (at most two): a tag seen again (another portal, a later pass) is not decoded again. */
const EPC_CACHE_SIZE = 10_000;

/** How sure a movement is, by what proved its crossing. */
const CONFIDENCE = { antennas: 1, signal: 0.9, group: 0.95 } as const;
/** (location, SKU) pairs whose latest move without serials is remembered. */
const MAX_SKU_MOVES = 100_000;
/** Moves without serials followed from a tag's last known location: a chain, not a cycle. */
const MAX_SKU_MOVE_HOPS = 8;

/** Zones where an item's temperature class must match: where stock is kept, not where it passes through. */
const KEEPING_ZONES = new Set(["storage", "picking", "quarantine"]);

interface Line {
  item: Item;
  qty: number;
  epc?: string;
  sscc?: string;
  lot?: string;
}

/**
 * Passes → movements and correction tasks. RECEIPT at inbound dock doors,
 * SHIPMENT at outbound ones, TRANSFER at zone portals. SGTINs map to a SKU
 * through the item master and keep their serial; SSCC pallets map to their
 * contents on the open expected receipt (in) or shipment (out). Tasks:
 * UNKNOWN_TAG (not an SGTIN of a known GTIN, nor a known pallet),
 * UNEXPECTED_ITEM (not on the open expected receipts of that door, or more
 * than they list), MISSING_EXPECTED (short when a receipt closes),
 * WRONG_DOCK (out through another door than its shipment's), WRONG_ZONE
 * (into a zone of another temperature class), UNCONFIRMED_PASS (reads that
 * prove no crossing either way), UNKNOWN_ORIGIN (through a zone portal with
 * no known location to take the goods from). Only crossings move stock.
 *
 * It remembers, per tag (`tagKey`), its last crossing (a repeat at the same
 * portal and direction is a split pass) and where its goods went: RECEIPT →
 * the dock door, TRANSFER → its `to`, SHIPMENT → gone. A zone portal's
 * TRANSFER takes the goods from that location, or from where a later move of
 * their SKU without serials (a putaway scan, from `moves$`: the other
 * pipelines' events) took that SKU from there. `initialMemory` is what the
 * edge kept of all this across a restart (newest per tag, per location and
 * SKU); an older pass never overwrites a newer memory.
 *
 * `reference$` brings the item master and open documents (cloud or cached);
 * a receipt that was open and no longer is gets checked for missing lines.
 */
export function rfidEvents(
  site: SiteIndex,
  deps: EventDeps,
  initialReference: ReferenceView,
  config: RfidEventsConfig = DEFAULT_RFID_EVENTS_CONFIG,
  scheduler: SchedulerLike = asyncScheduler,
  initialMemory: TagMemory = { tags: [], skuMoves: [] },
  receipts: ReceiptTally = new ReceiptTally(),
): (
  passes$: Observable<TagPass>,
  reference$: Observable<ReferenceView>,
  moves$?: Observable<EdgeEvent>,
) => Observable<EdgeEvent> {
  return (passes$, reference$, moves$ = EMPTY) =>
    new Observable<EdgeEvent>((subscriber) => {
      let reference = initialReference;
      /** Each tag's last movement: a repeat at the same portal and direction is a split pass, not a movement. */
      const lastMove = new BoundedLru<string, { portalId: string; direction: string; atMs: number }>(config.maxTags);
      /** Where each tag's goods were last known to be, from the movements made (null: shipped). */
      const located = new BoundedLru<string, { location: string | null; atMs: number }>(config.maxTags);
      /** The latest move of each SKU out of each location without serials, by `from\0sku`. */
      const skuMovesOut = new BoundedLru<string, { to: string; atMs: number }>(MAX_SKU_MOVES);
      for (const known of initialMemory.tags) {
        lastMove.set(known.tag, { portalId: known.portalId, direction: known.direction, atMs: known.atMs });
        located.set(known.tag, { location: known.location, atMs: known.atMs });
      }
      const rememberSkuMove = (move: SkuMove | undefined) => {
        if (move === undefined) return;
        const key = `${move.from}\u0000${move.sku}`;
        const before = skuMovesOut.get(key);
        if (before === undefined || move.atMs >= before.atMs) skuMovesOut.set(key, { to: move.to, atMs: move.atMs });
      };
      for (const move of initialMemory.skuMoves) rememberSkuMove(move);
      const epcs = new TwoGenerationCache<string, ReturnType<typeof decodeEpc>>(EPC_CACHE_SIZE);
      const decode = (epc: string) => epcs.get(epc, decodeEpc);
      const emit = (events: EdgeEvent[]) => {
        for (const e of events) subscriber.next(e);
      };
      const task = (
        taskType: CorrectionTaskType,
        fields: Omit<CorrectionTask, "kind" | "id" | "siteId" | "taskType" | "evidence" | "priority"> & {
          priority?: CorrectionTask["priority"];
          evidence: CorrectionTask["evidence"];
        },
      ) => newTask(deps, { priority: "normal", ...fields, taskType });

      const onPass = (pass: TagPass): EdgeEvent[] => {
        const portal = site.device(pass.portalId);
        if (portal?.kind !== "rfid-portal") return [];
        if (pass.verdict === "unconfirmed") return [unconfirmed(portal, pass)];
        if (pass.verdict !== "crossing" || pass.direction === undefined) return [];
        const at = pass.crossingAt ?? pass.lastAt;
        const atMs = canonicalTimestampMs(at) ?? Date.parse(at);
        const key = tagKey(pass.epc, decode(pass.epc));
        const previous = lastMove.get(key);
        if (previous === undefined || atMs >= previous.atMs) {
          lastMove.set(key, { portalId: pass.portalId, direction: pass.direction, atMs });
        }
        if (
          previous !== undefined &&
          previous.portalId === pass.portalId &&
          previous.direction === pass.direction &&
          Math.abs(atMs - previous.atMs) < config.dedupeTtlMs
        ) {
          return [];
        }
        const evidence = { deviceId: portal.id, observationIds: pass.observationIds };
        const inbound = pass.direction === "inbound";
        const decoded = decode(pass.epc);
        let lines: Line[];
        if (decoded.ok && (decoded.value.scheme === "sgtin-96" || decoded.value.scheme === "sgtin-198")) {
          const item = reference.itemByGtin(decoded.value.gtin);
          if (item === undefined) {
            return [
              task("UNKNOWN_TAG", {
                occurredAt: at,
                location: portal.location,
                epc: decoded.value.pureIdentityUri,
                detail: `GTIN ${decoded.value.gtin} (${decoded.value.pureIdentityUri}) is not in the item master`,
                evidence,
              }),
            ];
          }
          lines = [{ item, qty: 1, epc: decoded.value.pureIdentityUri }];
        } else if (decoded.ok && decoded.value.scheme === "sscc-96") {
          const sscc = decoded.value.sscc;
          const pallet = reference.pallet(sscc, inbound ? "receipt" : "shipment");
          const items = pallet?.lines.map((l) => ({ line: l, item: reference.itemBySku(l.sku) }));
          if (pallet === undefined || items === undefined || items.some((i) => i.item === undefined)) {
            return [
              task("UNEXPECTED_ITEM", {
                occurredAt: at,
                location: portal.location,
                epc: decoded.value.pureIdentityUri,
                detail: `pallet ${sscc} is on no open expected ${inbound ? "receipt" : "shipment"} (or lists an unknown SKU)`,
                evidence,
              }),
            ];
          }
          lines = items.flatMap(({ line, item }) =>
            item === undefined ? [] : [{ item, qty: line.qty, sscc, ...(line.lot ? { lot: line.lot } : {}) }],
          );
          if (!inbound && pallet.document.kind === "shipment" && pallet.document.doc.dock !== portal.location) {
            const out = movementsFor(portal, pass, lines, evidence);
            for (const m of out) remember(m);
            return [
              ...out,
              task("WRONG_DOCK", {
                occurredAt: at,
                location: portal.location,
                epc: decoded.value.pureIdentityUri,
                priority: "high",
                detail: `pallet ${sscc} of shipment ${pallet.document.doc.id} left through ${portal.location}, not ${pallet.document.doc.dock}`,
                evidence,
              }),
            ];
          }
        } else {
          const uri = decoded.ok ? decoded.value.pureIdentityUri : pass.epc;
          return [
            task("UNKNOWN_TAG", {
              occurredAt: at,
              location: portal.location,
              epc: uri,
              detail: decoded.ok
                ? `${uri} is not an item or pallet Tally tracks`
                : `EPC ${pass.epc} does not decode: ${decoded.error.message}`,
              evidence,
            }),
          ];
        }
        const zp = portal.zonePortal;
        const destination = zp ? (inbound ? zp.inside : zp.outside) : inbound ? portal.location : undefined;
        const found = zp ? whereFrom(key, lines.length === 1 ? lines[0]?.item.sku : undefined, destination) : undefined;
        const origin = found?.origin;
        const events: EdgeEvent[] =
          zp && origin === undefined
            ? [
                task("UNKNOWN_ORIGIN", {
                  occurredAt: at,
                  location: destination ?? portal.location,
                  ...(lines[0]?.epc ? { epc: lines[0].epc } : {}),
                  ...(lines.length === 1 && lines[0] ? { sku: lines[0].item.sku } : {}),
                  detail: `${lines[0]?.epc ?? lines[0]?.sscc ?? pass.epc} went ${inbound ? "into" : "out of"} ${zp.inside} through ${portal.id}, but where it came from is not known (${found?.reason ?? "no movement of it is remembered"}): no transfer made`,
                  evidence,
                }),
              ]
            : movementsFor(portal, pass, lines, evidence, origin);
        // Checked against where the goods went, moved or not: a wrong zone needs a person either way.
        if (destination !== undefined) events.push(...wrongZones(destination, lines, at, evidence));
        for (const event of events) if (event.kind === "movement") remember(event);
        if (inbound && portal.zonePortal === undefined) events.push(...matchReceipt(portal, lines, at, evidence));
        return events;
      };

      /** WRONG_ZONE for each line whose item may not be kept where it went. */
      const wrongZones = (to: string, lines: Line[], at: string, evidence: Movement["evidence"]): EdgeEvent[] => {
        const zone = site.zoneOf(to);
        if (zone === undefined || !KEEPING_ZONES.has(zone.kind)) return [];
        return lines
          .filter((line) => zone.temperatureClass !== line.item.temperatureClass)
          .map((line) =>
            task("WRONG_ZONE", {
              occurredAt: at,
              location: to,
              sku: line.item.sku,
              ...(line.epc ? { epc: line.epc } : {}),
              priority: line.item.temperatureClass === "ambient" ? "normal" : "high",
              detail: `${line.item.sku} is ${line.item.temperatureClass} but entered ${zone.id}, a ${zone.temperatureClass} ${zone.kind} zone`,
              evidence,
            }),
          );
      };
      /**
       * Where the goods of `key` (of `sku`, for a serial) were last known to be: where its last movement put
       * them, then where later moves of its SKU without serials took that SKU from there. No origin when
       * that is unknown, shipped, or already `destination`, with why.
       */
      const whereFrom = (
        key: string,
        sku: string | undefined,
        destination: string | undefined,
      ): { origin?: string; reason: string } => {
        const known = located.get(key);
        if (known === undefined) return { reason: "no movement of it is remembered" };
        if (known.location === null) return { reason: "it was last shipped" };
        let where = known.location;
        let since = known.atMs;
        for (let hop = 0; sku !== undefined && hop < MAX_SKU_MOVE_HOPS; hop++) {
          const moved = skuMovesOut.get(`${where}\u0000${sku}`);
          if (moved === undefined || moved.atMs < since) break;
          where = moved.to;
          since = moved.atMs;
        }
        return where === destination
          ? { reason: `it was last recorded at ${where} already` }
          : { origin: where, reason: `last known at ${where}` };
      };
      const remember = (movement: Movement) => {
        const key = tagKeyOfMovement(movement);
        const known = key === undefined ? undefined : whereaboutsOf(site, movement);
        if (key === undefined || known === undefined) return;
        const before = located.get(key);
        if (before === undefined || known.atMs >= before.atMs) {
          located.set(key, { location: known.location, atMs: known.atMs });
        }
      };

      const movementsFor = (
        portal: RfidPortalDevice,
        pass: TagPass,
        lines: Line[],
        evidence: Movement["evidence"],
        origin?: string,
      ) =>
        lines.map((line) => {
          const inbound = pass.direction === "inbound";
          const zp = portal.zonePortal;
          // Through a zone portal the goods come from where they were last known to be, not from its other side.
          const where = zp
            ? { from: origin ?? (inbound ? zp.outside : zp.inside), to: inbound ? zp.inside : zp.outside }
            : inbound
              ? { to: portal.location }
              : { from: portal.location };
          return newMovement(deps, {
            movementType: zp ? "TRANSFER" : inbound ? "RECEIPT" : "SHIPMENT",
            occurredAt: pass.crossingAt ?? pass.lastAt,
            sku: line.item.sku,
            qty: line.qty,
            ...where,
            ...(line.epc ? { epc: line.epc } : {}),
            ...(line.sscc ? { sscc: line.sscc } : {}),
            ...(line.lot ? { lot: line.lot } : {}),
            evidence,
            confidence: CONFIDENCE[pass.directionFrom ?? "group"],
          });
        });

      /** Reads on both sides that prove no crossing, with no tag that crossed beside it: a person looks. */
      const unconfirmed = (portal: RfidPortalDevice, pass: TagPass): EdgeEvent => {
        const decoded = decode(pass.epc);
        const uri = decoded.ok ? decoded.value.pureIdentityUri : pass.epc;
        const how =
          pass.evidence === "weak-crossing"
            ? `in ${pass.direction ?? "no"} order, too few to be sure`
            : "in no consistent order";
        return task("UNCONFIRMED_PASS", {
          occurredAt: pass.crossingAt ?? pass.lastAt,
          location: portal.location,
          epc: uri,
          detail: `${uri} was read ${pass.reads} times on both sides of ${portal.id} from ${pass.firstAt} to ${pass.lastAt}, ${how}: check whether it went through`,
          evidence: { deviceId: portal.id, observationIds: pass.observationIds },
        });
      };

      const matchReceipt = (portal: RfidPortalDevice, lines: Line[], at: string, evidence: Movement["evidence"]) => {
        const open = reference.openReceiptsAt(portal.location);
        if (open.length === 0) return [];
        const out: EdgeEvent[] = [];
        for (const line of lines) {
          if (receipts.take(open, line.item.sku, line.qty) === undefined) {
            out.push(
              task("UNEXPECTED_ITEM", {
                occurredAt: at,
                location: portal.location,
                sku: line.item.sku,
                ...(line.epc ? { epc: line.epc } : {}),
                detail: `${line.qty} × ${line.item.sku} arrived at ${portal.location} beyond what its open expected receipts list`,
                evidence,
              }),
            );
          }
        }
        return out;
      };

      const onReference = (next: ReferenceView): EdgeEvent[] => {
        const stillOpen = new Set(next.data.expectedReceipts.filter((r) => r.status === "open").map((r) => r.id));
        const closed = reference.data.expectedReceipts.filter((r) => r.status === "open" && !stillOpen.has(r.id));
        reference = next;
        const out: EdgeEvent[] = [];
        const at = new Date(scheduler.now()).toISOString();
        for (const receipt of closed) {
          const skus = new Set(receipt.lines.map((l) => l.sku));
          for (const sku of skus) {
            const short = receipts.remaining(receipt, sku);
            if (short <= 0) continue;
            out.push(
              task("MISSING_EXPECTED", {
                occurredAt: at,
                location: receipt.dock ?? defaultDock(site),
                sku,
                detail: `receipt ${receipt.id} closed with ${short} × ${sku} expected but not seen`,
                evidence: { deviceId: "edge", observationIds: [] },
              }),
            );
          }
          receipts.forget(receipt.id);
        }
        return out;
      };

      // The passes drive completion; reference updates may go on for ever.
      const references = reference$.subscribe({
        next: (next) => emit(onReference(next)),
        error: (error: unknown) => subscriber.error(error),
      });
      // Other pipelines' movements (scans) only teach where SKUs went; they end with the passes, or earlier.
      const moves = moves$.subscribe({
        next: (event) => rememberSkuMove(skuMoveOf(event)),
        error: (error: unknown) => subscriber.error(error),
      });
      const passes = passes$.subscribe({
        next: (pass) => emit(onPass(pass)),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        references.unsubscribe();
        moves.unsubscribe();
        passes.unsubscribe();
      };
    });
}

/** Where a receipt that names no dock is reported: the site's first inbound portal, else its first location. */
function defaultDock(site: SiteIndex): string {
  const portal = site.site.devices.find((d) => d.kind === "rfid-portal" && d.direction === "inbound");
  return portal && "location" in portal
    ? portal.location
    : (site.site.locations[0]?.code ?? `${site.site.siteId}/DOCK/1`);
}
