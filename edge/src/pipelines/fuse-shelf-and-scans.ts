import type { EdgeEvent, Movement } from "@tally/protocols";
import { asyncScheduler, NEVER, Observable, type SchedulerLike, type Subscription } from "rxjs";
import { type FusionBin, type FusionDraft, fuse, scanAlone, shelfAlone, withSource } from "../domain/fusion-rules.js";
import { type FusionPairing, type FusionSide, FusionWindow } from "../domain/fusion-window.js";
import type { ReferenceView } from "../domain/reference-view.js";
import type { SiteIndex } from "../domain/site-index.js";
import { type EventDeps, newMovement, newTask } from "./event-factory.js";

/** A shelf without its own `fusionWindowS`: a scan and a settled change this far apart, either order, are one. */
export const DEFAULT_FUSION_WINDOW_MS = 10_000;

interface Waiting {
  movement: Movement;
  bin: FusionBin;
}

/**
 * Scans and smart-shelf changes of one bin, checked against each other
 * before they reach the outbox. A scanned PICK (PUTAWAY) at a shelf bin and
 * a drop (rise) of that bin and SKU within the shelf's window, in either
 * order, are one movement with both as evidence; either alone is decided by
 * `fusion-rules` when its window runs out (a flagged scan, an unscanned
 * pick, a suspected theft). Every other event passes through at once, its
 * movements stamped with their source; scans at locations without a shelf
 * bin are not held. Windows run on `scheduler`, so tests run in virtual time.
 *
 * "Open pick order": an open expected shipment of the latest reference data
 * (`reference$`, else `initial`) with a line of the SKU, from any dock.
 */
export function fuseShelfAndScans(
  site: SiteIndex,
  deps: EventDeps,
  initial: ReferenceView,
  defaultWindowMs: number = DEFAULT_FUSION_WINDOW_MS,
  scheduler: SchedulerLike = asyncScheduler,
): (
  scanEvents$: Observable<EdgeEvent>,
  shelfEvents$: Observable<EdgeEvent>,
  reference$?: Observable<ReferenceView>,
) => Observable<EdgeEvent> {
  const bins = shelfBins(site, defaultWindowMs);
  return (scanEvents$, shelfEvents$, reference$ = NEVER) =>
    new Observable<EdgeEvent>((subscriber) => {
      let reference = initial;
      const window = new FusionWindow<Waiting>();
      let timer: Subscription | undefined;

      const send = (drafts: readonly FusionDraft[]) => {
        for (const d of drafts) {
          switch (d.kind) {
            case "movement":
              subscriber.next(newMovement(deps, d.fields));
              break;
            case "task":
              subscriber.next(newTask(deps, d.fields));
              break;
            case "condition":
              subscriber.next({ kind: "condition", id: deps.newId(), siteId: deps.siteId, ...d.fields });
              break;
          }
        }
      };
      const openPickOrder = (sku: string) => reference.openShipments().some((s) => s.lines.some((l) => l.sku === sku));
      const decide = (pairings: readonly FusionPairing<Waiting>[]) => {
        for (const p of pairings) {
          if (p.kind === "pair") send(fuse(p.scan.movement, p.shelf.movement, p.shelf.bin));
          else if (p.side === "scan") send(scanAlone(p.item.movement, p.item.bin));
          else send(shelfAlone(p.item.movement, p.item.bin, openPickOrder(p.item.bin.sku)));
        }
      };
      const schedule = () => {
        timer?.unsubscribe();
        timer = undefined;
        const due = window.nextDueMs();
        if (due === undefined) return;
        timer = scheduler.schedule(
          () => {
            timer = undefined;
            decide(window.tick(scheduler.now()));
            schedule();
          },
          Math.max(0, due - scheduler.now()),
        );
      };
      const arrive = (side: FusionSide, event: EdgeEvent) => {
        const held = event.kind === "movement" ? heldKey(bins, event) : undefined;
        // A rise without a source exists only to be paired; it never goes to the ledger on its own.
        if (held === undefined && event.kind === "movement" && event.from === undefined && side === "shelf") return;
        if (held === undefined || event.kind !== "movement") {
          subscriber.next(event.kind === "movement" ? { ...event, evidence: withSource(event.evidence, side) } : event);
          return;
        }
        decide(window.arrive(side, held.key, { movement: event, bin: held.bin }, held.bin.windowMs, scheduler.now()));
        schedule();
      };

      const refs = reference$.subscribe({
        next: (view) => {
          reference = view;
        },
        error: (error: unknown) => subscriber.error(error),
      });
      let open = 2;
      const ended = () => {
        open--;
        if (open > 0) return;
        // Nothing more can pair: what still waits is decided now rather than lost.
        decide(window.tick(Number.POSITIVE_INFINITY));
        subscriber.complete();
      };
      const inputs = [
        scanEvents$.subscribe({
          next: (e) => arrive("scan", e),
          error: (error: unknown) => subscriber.error(error),
          complete: ended,
        }),
        shelfEvents$.subscribe({
          next: (e) => arrive("shelf", e),
          error: (error: unknown) => subscriber.error(error),
          complete: ended,
        }),
      ];
      return () => {
        for (const s of inputs) s.unsubscribe();
        refs.unsubscribe();
        timer?.unsubscribe();
      };
    });
}

/** Each bin of the site file's shelves whose item has a unit weight, by location and SKU. */
function shelfBins(site: SiteIndex, defaultWindowMs: number): Map<string, FusionBin> {
  const out = new Map<string, FusionBin>();
  for (const d of site.site.devices) {
    if (d.kind !== "shelf") continue;
    const windowMs = d.fusionWindowS === undefined ? defaultWindowMs : d.fusionWindowS * 1000;
    for (const b of d.bins) {
      const unitWeightG = site.itemBySku(b.sku)?.unitWeightG;
      // A bin without a unit weight is not weighed as units (the shelf pipeline skips it): nothing to fuse with.
      if (unitWeightG === undefined) continue;
      out.set(`${b.location}|${b.sku}`, {
        shelfId: d.id,
        location: b.location,
        sku: b.sku,
        unitWeightG,
        windowMs,
        unscannedPicks: d.unscannedPicks ?? "suspect",
        scanWithoutChangeTask: d.checks?.scanWithoutChange !== false,
      });
    }
  }
  return out;
}

/** The bin and direction a PICK out of or a PUTAWAY into a shelf bin waits under; undefined: not held. */
function heldKey(bins: ReadonlyMap<string, FusionBin>, m: Movement): { key: string; bin: FusionBin } | undefined {
  const location = m.movementType === "PICK" ? m.from : m.movementType === "PUTAWAY" ? m.to : undefined;
  if (location === undefined) return undefined;
  const bin = bins.get(`${location}|${m.sku}`);
  return bin === undefined ? undefined : { key: `${m.movementType}|${location}|${m.sku}`, bin };
}
