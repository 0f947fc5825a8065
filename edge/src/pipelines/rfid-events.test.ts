import {
  type CorrectionTask,
  type EdgeEvent,
  type ExpectedReceipt,
  type ExpectedShipment,
  encodeEpc,
  encodeSgtin96,
  type Movement,
  type SiteLayout,
} from "@tally/protocols";
import { from, lastValueFrom, NEVER, Subject, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { ReferenceView, siteOnlyReference } from "../domain/reference-view.js";
import { indexSite } from "../domain/site-index.js";
import type { TagWhereabouts } from "../domain/tag-whereabouts.js";
import { demoSiteWithPortals, sequentialIds, testPortal } from "../testing/demo-site.js";
import { tagPass } from "../testing/tag-pass.js";
import type { TagPass } from "./detect-passes.js";
import { rfidEvents } from "./rfid-events.js";

const siteLayout: SiteLayout = demoSiteWithPortals(
  testPortal("portal-d2", "DEMO/DOCK/D2", { direction: "outbound" }),
  testPortal("portal-cold", "DEMO/COLD/C1", { zonePortal: { inside: "DEMO/COLD/C1", outside: "DEMO/PICK/A1" } }),
);
const site = indexSite(siteLayout);

const sgtin = (gtin: string, serial: number) => {
  const hex = encodeSgtin96({ gtin, companyPrefixDigits: 7, serial });
  if (!hex.ok) throw new Error(hex.error.message);
  return hex.value;
};
const SSCC = "106141412345678908";
const ssccHex = (() => {
  const hex = encodeEpc("urn:epc:id:sscc:0614141.1234567890");
  if (!hex.ok) throw new Error(hex.error.message);
  return hex.value;
})();
const WIDGET = "00614141000012";
const MILK = "00614141000036";

const pass = (portalId: string, epc: string, fields: Partial<TagPass> = {}): TagPass =>
  tagPass({ portalId, epc, reads: 8, observationIds: ["r1"], ...fields });

const receipt = (fields: Partial<ExpectedReceipt> = {}): ExpectedReceipt => ({
  id: "ASN-1",
  siteId: "DEMO",
  dock: "DEMO/DOCK/D1",
  status: "open",
  lines: [{ sku: "WIDGET", qty: 2 }],
  ...fields,
});
const shipment = (fields: Partial<ExpectedShipment> = {}): ExpectedShipment => ({
  id: "SO-1",
  siteId: "DEMO",
  dock: "DEMO/DOCK/D2",
  status: "open",
  lines: [{ sku: "GADGET", qty: 40, sscc: SSCC }],
  ...fields,
});
const view = (receipts: ExpectedReceipt[] = [], shipments: ExpectedShipment[] = []) =>
  new ReferenceView(siteLayout.items, { items: [], expectedReceipts: receipts, expectedShipments: shipments });

async function run(passes: TagPass[], reference = siteOnlyReference(siteLayout.items)): Promise<EdgeEvent[]> {
  const pipeline = rfidEvents(site, { siteId: "DEMO", newId: sequentialIds() }, reference);
  return lastValueFrom(pipeline(from(passes), NEVER).pipe(toArray()));
}

describe("rfidEvents: movements", () => {
  it("receives SGTINs at an inbound door, once per tag, keeping the serial", async () => {
    const tag = sgtin(WIDGET, 7);
    const out = await run([pass("portal-d1", tag), pass("portal-d1", tag)]);
    expect(out).toEqual([
      expect.objectContaining({
        kind: "movement",
        movementType: "RECEIPT",
        sku: "WIDGET",
        qty: 1,
        to: "DEMO/DOCK/D1",
        epc: "urn:epc:id:sgtin:0614141.000001.7",
        confidence: 1,
        evidence: { deviceId: "portal-d1", observationIds: ["r1"] },
      }),
    ]);
  });

  it("ships at an outbound door and transfers at a zone portal, both ways, from where the goods were", async () => {
    const tag = sgtin(MILK, 1);
    const out = await run([
      pass("portal-d2", sgtin(WIDGET, 1), { direction: "outbound" }),
      pass("portal-d1", tag, { lastAt: "2026-11-22T07:50:00.000Z" }),
      pass("portal-cold", tag),
      pass("portal-cold", tag, { direction: "outbound", lastAt: "2026-11-22T08:05:00.000Z" }),
    ]);
    expect(out.filter((e) => e.kind === "movement")).toEqual([
      expect.objectContaining({ movementType: "SHIPMENT", sku: "WIDGET", from: "DEMO/DOCK/D2" }),
      expect.objectContaining({ movementType: "RECEIPT", sku: "MILK", to: "DEMO/DOCK/D1" }),
      // Received at door 1, then carried into the cold room: from the door, not the portal's configured outside.
      expect.objectContaining({ movementType: "TRANSFER", sku: "MILK", from: "DEMO/DOCK/D1", to: "DEMO/COLD/C1" }),
      expect.objectContaining({ movementType: "TRANSFER", sku: "MILK", from: "DEMO/COLD/C1", to: "DEMO/PICK/A1" }),
    ]);
    // Chilled milk carried out to the ambient pick face is in the wrong zone.
    expect(out.filter((e) => e.kind === "task")).toEqual([
      expect.objectContaining({ taskType: "WRONG_ZONE", sku: "MILK", location: "DEMO/PICK/A1" }),
    ]);
  });

  it("maps an SSCC pallet to its contents on the open shipment", async () => {
    const out = await run([pass("portal-d2", ssccHex, { direction: "outbound" })], view([], [shipment()]));
    expect(out).toEqual([
      expect.objectContaining({ movementType: "SHIPMENT", sku: "GADGET", qty: 40, sscc: SSCC, from: "DEMO/DOCK/D2" }),
    ]);
  });

  it("counts a tag again at the same door once it has moved elsewhere, or after the dedupe time", async () => {
    const tag = sgtin(WIDGET, 11);
    const later = (minutes: number) => new Date(Date.UTC(2026, 10, 22, 8, minutes)).toISOString();
    const out = await run([
      pass("portal-d1", tag, { lastAt: later(0) }),
      pass("portal-d1", tag, { lastAt: later(1) }), // the same pass, split: nothing
      pass("portal-d2", tag, { direction: "outbound", lastAt: later(2) }), // shipped
      pass("portal-d1", tag, { lastAt: later(3) }), // returned through the same door: a receipt again
      pass("portal-d1", tag, { lastAt: later(50) }), // half an hour later, no movement between: again
    ]);
    expect(out.map((e) => (e.kind === "movement" ? e.movementType : e.kind))).toEqual([
      "RECEIPT",
      "SHIPMENT",
      "RECEIPT",
      "RECEIPT",
    ]);
  });

  it("moves nothing for a candidate pass (no proof of crossing of its own, nor from tags beside it)", async () => {
    expect(await run([pass("portal-d1", sgtin(WIDGET, 9), { verdict: "candidate", evidence: "one-sided" })])).toEqual(
      [],
    );
  });

  it("dates the movement at the crossing, not at the pass's last read", async () => {
    const out = await run([pass("portal-d1", sgtin(WIDGET, 4), { crossingAt: "2026-11-22T08:00:01.000Z" })]);
    expect(out).toEqual([expect.objectContaining({ occurredAt: "2026-11-22T08:00:01.000Z" })]);
  });

  it("trusts tags that crossed alongside a little less than a tag's own antennas, and one antenna's signal less still", async () => {
    const group = await run([pass("portal-d1", sgtin(WIDGET, 3), { directionFrom: "group" })]);
    expect(group).toEqual([expect.objectContaining({ confidence: 0.95 })]);
    const signal = await run([pass("portal-d1", sgtin(WIDGET, 5), { directionFrom: "signal" })]);
    expect(signal).toEqual([expect.objectContaining({ confidence: 0.9 })]);
  });

  it("raises UNCONFIRMED_PASS for an unconfirmed pass, with its reads as evidence, and moves nothing", async () => {
    const out = await run([
      pass("portal-d1", sgtin(WIDGET, 6), {
        verdict: "unconfirmed",
        evidence: "unordered",
        observationIds: ["r7", "r8"],
      }),
    ]);
    expect(out).toEqual([
      expect.objectContaining({
        kind: "task",
        taskType: "UNCONFIRMED_PASS",
        location: "DEMO/DOCK/D1",
        epc: expect.stringContaining("urn:epc:id:sgtin:0614141."),
        detail: expect.stringContaining("in no consistent order"),
        evidence: { deviceId: "portal-d1", observationIds: ["r7", "r8"] },
      }),
    ]);
  });
});

describe("rfidEvents: correction tasks", () => {
  it("UNKNOWN_TAG: a GTIN missing from the item master, or not an item at all", async () => {
    const out = await run([
      pass("portal-d1", sgtin("00614141000050", 1)),
      pass("portal-d1", "E2801160600002054E3F1A85"),
    ]);
    expect(out).toEqual([
      expect.objectContaining({ kind: "task", taskType: "UNKNOWN_TAG", location: "DEMO/DOCK/D1" }),
      expect.objectContaining({
        kind: "task",
        taskType: "UNKNOWN_TAG",
        epc: "urn:epc:raw:96.xE2801160600002054E3F1A85",
      }),
    ]);
  });

  it("UNEXPECTED_ITEM: not on the door's open expected receipt, or beyond its quantity", async () => {
    const out = await run(
      [
        pass("portal-d1", sgtin(WIDGET, 1)),
        pass("portal-d1", sgtin(WIDGET, 2)),
        pass("portal-d1", sgtin(WIDGET, 3)),
        pass("portal-d1", sgtin(MILK, 1)),
      ],
      view([receipt()]),
    );
    const tasks = out.filter((e) => e.kind === "task");
    expect(tasks).toEqual([
      expect.objectContaining({ taskType: "UNEXPECTED_ITEM", sku: "WIDGET" }),
      expect.objectContaining({ taskType: "UNEXPECTED_ITEM", sku: "MILK" }),
    ]);
    // Every unit is still received: the task asks a person to check, the ledger keeps what was seen.
    expect(out.filter((e) => e.kind === "movement")).toHaveLength(4);
  });

  it("UNEXPECTED_ITEM: a pallet on no open receipt", async () => {
    const out = await run([pass("portal-d1", ssccHex)], view([receipt()]));
    expect(out).toEqual([
      expect.objectContaining({ taskType: "UNEXPECTED_ITEM", epc: "urn:epc:id:sscc:0614141.1234567890" }),
    ]);
  });

  it("MISSING_EXPECTED: what a receipt listed but was not seen when it closes", async () => {
    const references = new Subject<ReferenceView>();
    const passes = new Subject<TagPass>();
    const events: EdgeEvent[] = [];
    const pipeline = rfidEvents(
      site,
      { siteId: "DEMO", newId: sequentialIds() },
      view([
        receipt({
          lines: [
            { sku: "WIDGET", qty: 3 },
            { sku: "MILK", qty: 1 },
          ],
        }),
      ]),
    );
    pipeline(passes, references).subscribe((e) => events.push(e));
    passes.next(pass("portal-d1", sgtin(WIDGET, 1)));
    passes.next(pass("portal-d1", sgtin(MILK, 1)));
    references.next(view([receipt({ status: "closed" })]));
    expect(events.filter((e) => e.kind === "task")).toEqual([
      expect.objectContaining({
        taskType: "MISSING_EXPECTED",
        sku: "WIDGET",
        location: "DEMO/DOCK/D1",
        detail: expect.stringContaining("2 × WIDGET"),
      }),
    ]);
  });

  it("WRONG_DOCK: a pallet leaving through another door than its shipment's", async () => {
    const out = await run(
      [pass("portal-d2", ssccHex, { direction: "outbound" })],
      view([], [shipment({ dock: "DEMO/DOCK/D1" })]),
    );
    expect(out).toEqual([
      expect.objectContaining({ kind: "movement", movementType: "SHIPMENT", from: "DEMO/DOCK/D2" }),
      expect.objectContaining({ kind: "task", taskType: "WRONG_DOCK", priority: "high", location: "DEMO/DOCK/D2" }),
    ]);
  });

  it("WRONG_ZONE: an ambient item carried into the chilled room, whether or not its origin is known", async () => {
    const known = sgtin(WIDGET, 6);
    const out = await run([
      pass("portal-cold", sgtin(WIDGET, 5)),
      pass("portal-cold", sgtin(MILK, 5)),
      pass("portal-d1", known, { lastAt: "2026-11-22T07:50:00.000Z" }),
      pass("portal-cold", known),
    ]);
    expect(out.filter((e) => e.kind === "task" && e.taskType === "WRONG_ZONE")).toEqual([
      expect.objectContaining({ sku: "WIDGET", location: "DEMO/COLD/C1", epc: "urn:epc:id:sgtin:0614141.000001.5" }),
      expect.objectContaining({ sku: "WIDGET", location: "DEMO/COLD/C1", epc: "urn:epc:id:sgtin:0614141.000001.6" }),
    ]);
    expect(out.filter((e) => e.kind === "movement" && e.movementType === "TRANSFER")).toEqual([
      expect.objectContaining({ epc: "urn:epc:id:sgtin:0614141.000001.6", from: "DEMO/DOCK/D1", to: "DEMO/COLD/C1" }),
    ]);
  });
});

describe("rfidEvents: where goods were last known to be", () => {
  it("UNKNOWN_ORIGIN instead of a transfer for goods never seen to arrive, with the tag and the zone", async () => {
    const out = await run([pass("portal-cold", sgtin(MILK, 9))]);
    expect(out).toEqual([
      expect.objectContaining({
        kind: "task",
        taskType: "UNKNOWN_ORIGIN",
        location: "DEMO/COLD/C1",
        sku: "MILK",
        epc: "urn:epc:id:sgtin:0614141.000003.9",
        evidence: { deviceId: "portal-cold", observationIds: ["r1"] },
      }),
    ]);
    expect((out[0] as CorrectionTask).detail).toContain("no movement of it is remembered");
  });

  it("UNKNOWN_ORIGIN for goods last shipped, and for goods recorded where they are going already", async () => {
    const shipped = sgtin(MILK, 10);
    const inside = sgtin(MILK, 11);
    const out = await run([
      pass("portal-d1", shipped, { lastAt: "2026-11-22T07:00:00.000Z" }),
      pass("portal-d2", shipped, { direction: "outbound", lastAt: "2026-11-22T07:10:00.000Z" }),
      pass("portal-cold", shipped),
      pass("portal-d1", inside, { lastAt: "2026-11-22T07:00:00.000Z" }),
      pass("portal-cold", inside, { lastAt: "2026-11-22T07:20:00.000Z" }),
      // In again with no way out seen in between (beyond the split-pass time): it left unseen.
      pass("portal-cold", inside, { lastAt: "2026-11-22T08:00:02.000Z" }),
    ]);
    const tasks = out.filter((e): e is CorrectionTask => e.kind === "task" && e.taskType === "UNKNOWN_ORIGIN");
    expect(tasks.map((t) => [t.epc, t.detail.includes("last shipped"), t.detail.includes("already")])).toEqual([
      ["urn:epc:id:sgtin:0614141.000003.10", true, false],
      ["urn:epc:id:sgtin:0614141.000003.11", false, true],
    ]);
    expect(out.filter((e) => e.kind === "movement").map((m) => (m as Movement).movementType)).toEqual([
      "RECEIPT",
      "SHIPMENT",
      "RECEIPT",
      "TRANSFER",
    ]);
  });

  it("follows its SKU's putaway without serials from where it was received, if it was there before it", async () => {
    const before = sgtin(MILK, 40);
    const after = sgtin(MILK, 41);
    const putaway: Movement = {
      kind: "movement",
      id: "scan-1",
      siteId: "DEMO",
      movementType: "PUTAWAY",
      occurredAt: "2026-11-22T07:10:00.000Z",
      sku: "MILK",
      qty: 5,
      from: "DEMO/DOCK/D1",
      to: "DEMO/PICK/A1",
      evidence: { deviceId: "scanner-1", observationIds: ["s1"] },
      confidence: 1,
    };
    const pipeline = rfidEvents(site, { siteId: "DEMO", newId: sequentialIds() }, siteOnlyReference(siteLayout.items));
    const out = await lastValueFrom(
      pipeline(
        from([
          pass("portal-d1", before, { lastAt: "2026-11-22T07:00:00.000Z" }),
          pass("portal-d1", after, { lastAt: "2026-11-22T07:20:00.000Z" }),
          pass("portal-cold", before),
          pass("portal-cold", after),
        ]),
        NEVER,
        from([putaway]),
      ).pipe(toArray()),
    );
    expect(out.filter((e) => e.kind === "movement" && e.movementType === "TRANSFER")).toEqual([
      // Received before the putaway of its SKU from the door: it went along to the pick face.
      expect.objectContaining({ epc: "urn:epc:id:sgtin:0614141.000003.40", from: "DEMO/PICK/A1", to: "DEMO/COLD/C1" }),
      // Received after it: still at the door.
      expect.objectContaining({ epc: "urn:epc:id:sgtin:0614141.000003.41", from: "DEMO/DOCK/D1", to: "DEMO/COLD/C1" }),
    ]);
  });

  it("a pallet goes through a zone portal from where it was received, by its SSCC", async () => {
    const inbound = view([receipt({ lines: [{ sku: "GADGET", qty: 40, sscc: SSCC }] })]);
    const pipeline = rfidEvents(site, { siteId: "DEMO", newId: sequentialIds() }, inbound);
    const out = await lastValueFrom(
      pipeline(
        from([pass("portal-d1", ssccHex, { lastAt: "2026-11-22T07:00:00.000Z" }), pass("portal-cold", ssccHex)]),
        NEVER,
      ).pipe(toArray()),
    );
    expect(out.filter((e) => e.kind === "movement")).toEqual([
      expect.objectContaining({ movementType: "RECEIPT", sscc: SSCC, to: "DEMO/DOCK/D1" }),
      expect.objectContaining({ movementType: "TRANSFER", sscc: SSCC, from: "DEMO/DOCK/D1", to: "DEMO/COLD/C1" }),
    ]);
  });

  it("starts from the memory kept across a restart: the same crossing is not made again, and origins are known", async () => {
    const crossed = sgtin(WIDGET, 20);
    const stored = sgtin(MILK, 21);
    const tags: TagWhereabouts[] = [
      {
        tag: "urn:epc:id:sgtin:0614141.000001.20",
        portalId: "portal-d1",
        direction: "inbound",
        atMs: Date.parse("2026-11-22T08:00:02.000Z"),
        location: "DEMO/DOCK/D1",
      },
      {
        tag: "urn:epc:id:sgtin:0614141.000003.21",
        portalId: "portal-d1",
        direction: "inbound",
        atMs: Date.parse("2026-11-22T06:00:00.000Z"),
        location: "DEMO/DOCK/D1",
      },
    ];
    const pipeline = rfidEvents(
      site,
      { siteId: "DEMO", newId: sequentialIds() },
      siteOnlyReference(siteLayout.items),
      undefined,
      undefined,
      // The cold-room milk was put away from the door to the pick face before the restart.
      {
        tags,
        skuMoves: [
          { from: "DEMO/DOCK/D1", sku: "MILK", to: "DEMO/PICK/A1", atMs: Date.parse("2026-11-22T06:30:00.000Z") },
        ],
      },
    );
    const out = await lastValueFrom(
      pipeline(
        from([
          // The pass whose movement was made before the restart, replayed from the journal.
          pass("portal-d1", crossed),
          pass("portal-cold", stored),
        ]),
        NEVER,
      ).pipe(toArray()),
    );
    expect(out).toEqual([
      expect.objectContaining({ movementType: "TRANSFER", sku: "MILK", from: "DEMO/PICK/A1", to: "DEMO/COLD/C1" }),
    ]);
  });

  it("an older pass replayed after a newer crossing neither moves the memory back nor changes the origin", async () => {
    const tag = sgtin(MILK, 30);
    const out = await run([
      pass("portal-d1", tag, { lastAt: "2026-11-22T07:00:00.000Z" }),
      pass("portal-cold", tag, { lastAt: "2026-11-22T07:30:00.000Z" }),
      // Door 1's pass again (a replay): made again with the same content, absorbed by the cloud.
      pass("portal-d1", tag, { lastAt: "2026-11-22T07:00:00.000Z" }),
      // The zone portal's again: still the same crossing, nothing new.
      pass("portal-cold", tag, { lastAt: "2026-11-22T07:30:00.000Z" }),
    ]);
    expect(out.filter((e) => e.kind === "movement").map((m) => (m as Movement).movementType)).toEqual([
      "RECEIPT",
      "TRANSFER",
      "RECEIPT",
    ]);
  });
});
