import type { EdgeEvent, ExpectedReceipt } from "@tally/protocols";
import { Subject, VirtualTimeScheduler } from "rxjs";
import { describe, expect, it } from "vitest";
import type { Observation } from "../domain/observation.js";
import { ReferenceView } from "../domain/reference-view.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { DEFAULT_PIPELINE_CONFIG, edgePipeline } from "./edge-pipeline.js";

/**
 * Receipt scans and portal reads tally one set of open receipts in the whole
 * edge pipeline: what was scanned in is not reported missing when the
 * receipt closes, and what goes beyond it is unexpected.
 */
const layout = demoSite();
const site = indexSite(layout);
const asn = (status: ExpectedReceipt["status"]): ExpectedReceipt => ({
  id: "ASN-7",
  siteId: "DEMO",
  dock: "DEMO/DOCK/D1",
  status,
  lines: [{ sku: "SOAP", qty: 30 }],
});
const view = (status: ExpectedReceipt["status"]) =>
  new ReferenceView(layout.items, { items: [], expectedReceipts: [asn(status)], expectedShipments: [] });

describe("receipt scans in the edge pipeline", () => {
  it("count against the open receipt the portals tally: only what is still missing is MISSING_EXPECTED", () => {
    const observations$ = new Subject<Observation>();
    const reference$ = new Subject<ReferenceView>();
    const out: EdgeEvent[] = [];
    const subscription = edgePipeline(
      { observations$, reference$, initialReference: view("open") },
      site,
      { siteId: "DEMO", newId: sequentialIds() },
      DEFAULT_PIPELINE_CONFIG,
      new VirtualTimeScheduler(),
    ).subscribe((e) => out.push(e));
    const scan = (qty: number, n: number): Observation => ({
      type: "scan",
      id: `scanner-1/${n}`,
      deviceId: "scanner-1",
      gtin: "00614141000043",
      qty,
      action: "RECEIPT",
      location: "DEMO/DOCK/D1",
      at: `2026-11-22T08:00:0${n}.000Z`,
      operatorId: "op-4",
    });
    observations$.next(scan(20, 1));
    observations$.next(scan(4, 2));
    observations$.next(scan(7, 3));
    reference$.next(view("closed"));
    subscription.unsubscribe();

    const tasks = out.filter((e) => e.kind === "task");
    expect(out.filter((e) => e.kind === "movement")).toHaveLength(3);
    expect(tasks).toEqual([
      expect.objectContaining({
        taskType: "UNEXPECTED_ITEM",
        sku: "SOAP",
        evidence: expect.objectContaining({ operatorId: "op-4" }),
      }),
      expect.objectContaining({
        taskType: "MISSING_EXPECTED",
        sku: "SOAP",
        detail: expect.stringContaining("6 × SOAP"),
      }),
    ]);
  });
});
