import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeEvent, Movement, SiteLayout } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";
import { indexSite } from "../domain/site-index.js";
import { type TagWhereabouts, whereaboutsOf } from "../domain/tag-whereabouts.js";
import { demoSiteWithPortals, testPortal } from "../testing/demo-site.js";
import { SqliteOutbox } from "./sqlite-outbox.js";
import { SqliteTagCrossings } from "./sqlite-tag-crossings.js";

const layout: SiteLayout = demoSiteWithPortals(
  testPortal("portal-cold", "DEMO/COLD/C1", { zonePortal: { inside: "DEMO/COLD/C1", outside: "DEMO/PICK/A1" } }),
);
const site = indexSite(layout);

const dirs: string[] = [];
const opened: SqliteOutbox[] = [];
const outboxFile = () => {
  const dir = mkdtempSync(join(tmpdir(), "tally-crossings-"));
  dirs.push(dir);
  return join(dir, "outbox.db");
};
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An outbox with the crossings table, as the edge opens it. */
const open = (file: string, derive = (e: EdgeEvent) => whereaboutsOf(site, e), maxRows?: number) => {
  let crossings: SqliteTagCrossings | undefined;
  const outbox = new SqliteOutbox(file, {
    alongside: (db) => {
      crossings = new SqliteTagCrossings(db, derive, maxRows);
      return crossings;
    },
  });
  opened.push(outbox);
  if (crossings === undefined) throw new Error("the outbox did not open the crossings table");
  return { outbox, crossings };
};

let n = 0;
const move = (fields: Partial<Movement> & Pick<Movement, "movementType">): Movement => ({
  kind: "movement",
  id: `00000000-0000-7000-8000-${String(n++).padStart(12, "0")}`,
  siteId: "DEMO",
  sku: "WIDGET",
  qty: 1,
  occurredAt: "2026-11-22T08:00:00.000Z",
  evidence: { deviceId: "portal-d1", observationIds: ["r1"] },
  confidence: 1,
  ...fields,
});
const SERIAL = "urn:epc:id:sgtin:0614141.000001.7";

describe("SqliteTagCrossings", () => {
  it("keeps each tag's last crossing and where its goods went, across a reopen", async () => {
    const file = outboxFile();
    const first = open(file);
    await first.outbox.append([
      move({ movementType: "RECEIPT", epc: SERIAL, to: "DEMO/DOCK/D1" }),
      move({ movementType: "RECEIPT", sscc: "106141412345678908", to: "DEMO/DOCK/D1" }),
      // A scan's movement and a task: nothing to remember.
      move({ movementType: "RECEIPT", to: "DEMO/DOCK/D1", evidence: { deviceId: "scanner-1", observationIds: [] } }),
    ]);
    await first.outbox.append([
      move({
        movementType: "TRANSFER",
        epc: SERIAL,
        from: "DEMO/DOCK/D1",
        to: "DEMO/COLD/C1",
        occurredAt: "2026-11-22T08:10:00.000Z",
        evidence: { deviceId: "portal-cold", observationIds: [] },
      }),
    ]);
    first.outbox.close();
    const second = open(file);
    expect(second.crossings.load().tags).toEqual<TagWhereabouts[]>([
      {
        tag: "sscc:106141412345678908",
        portalId: "portal-d1",
        direction: "inbound",
        atMs: Date.parse("2026-11-22T08:00:00.000Z"),
        location: "DEMO/DOCK/D1",
      },
      {
        tag: SERIAL,
        portalId: "portal-cold",
        direction: "inbound",
        atMs: Date.parse("2026-11-22T08:10:00.000Z"),
        location: "DEMO/COLD/C1",
      },
    ]);
  });

  it("remembers a shipment as gone, and never lets an older movement (a replay) move a tag back", async () => {
    const { outbox, crossings } = open(outboxFile());
    await outbox.append([
      move({ movementType: "RECEIPT", epc: SERIAL, to: "DEMO/DOCK/D1", occurredAt: "2026-11-22T07:00:00.000Z" }),
    ]);
    await outbox.append([
      move({ movementType: "SHIPMENT", epc: SERIAL, from: "DEMO/DOCK/D1", occurredAt: "2026-11-22T09:00:00.000Z" }),
    ]);
    await outbox.append([
      move({ movementType: "RECEIPT", epc: SERIAL, to: "DEMO/DOCK/D1", occurredAt: "2026-11-22T07:00:00.000Z" }),
    ]);
    expect(crossings.load().tags).toEqual([
      expect.objectContaining({ tag: SERIAL, direction: "outbound", location: null }),
    ]);
  });

  it("is written in the outbox's transaction: an append that fails leaves neither the events nor the memory", async () => {
    const failOn = "urn:epc:id:sgtin:0614141.000001.99";
    const { outbox, crossings } = open(outboxFile(), (e) => {
      if (e.kind === "movement" && e.epc === failOn) throw new Error("disk full");
      return whereaboutsOf(site, e);
    });
    await expect(
      outbox.append([
        move({ movementType: "RECEIPT", epc: SERIAL, to: "DEMO/DOCK/D1" }),
        move({ movementType: "RECEIPT", epc: failOn, to: "DEMO/DOCK/D1" }),
      ]),
    ).rejects.toThrow("disk full");
    expect(outbox.depth()).toBe(0);
    expect(await outbox.peek(10)).toEqual([]);
    expect(crossings.load().tags).toEqual([]);
  });

  it("keeps the latest move of each SKU out of each location without serials, in the same transaction", async () => {
    const file = outboxFile();
    const first = open(file);
    const putaway = (to: string, occurredAt: string) =>
      move({
        movementType: "PUTAWAY",
        from: "DEMO/DOCK/D1",
        to,
        occurredAt,
        evidence: { deviceId: "scanner-1", observationIds: [] },
      });
    await first.outbox.append([putaway("DEMO/PICK/A2", "2026-11-22T09:00:00.000Z")]);
    await first.outbox.append([putaway("DEMO/PICK/A1", "2026-11-22T08:00:00.000Z")]);
    // A scan's receipt names no origin, a serial's movement is a tag's: neither is a SKU move.
    await first.outbox.append([move({ movementType: "RECEIPT", to: "DEMO/DOCK/D1" })]);
    first.outbox.close();
    expect(open(file).crossings.load().skuMoves).toEqual([
      { from: "DEMO/DOCK/D1", sku: "WIDGET", to: "DEMO/PICK/A2", atMs: Date.parse("2026-11-22T09:00:00.000Z") },
    ]);
  });

  it("is bounded: past its rows, the oldest crossings go first", async () => {
    const { outbox, crossings } = open(outboxFile(), (e) => whereaboutsOf(site, e), 100);
    for (let i = 0; i < 300; i++) {
      await outbox.append([
        move({
          movementType: "RECEIPT",
          epc: `urn:epc:id:sgtin:0614141.000001.${i}`,
          to: "DEMO/DOCK/D1",
          occurredAt: new Date(Date.UTC(2026, 10, 22, 8) + i * 1000).toISOString(),
        }),
      ]);
    }
    const kept = crossings.load().tags;
    expect(kept.length).toBeGreaterThanOrEqual(100);
    expect(kept.length).toBeLessThanOrEqual(105);
    expect(kept.at(-1)?.tag).toBe("urn:epc:id:sgtin:0614141.000001.299");
    expect(kept.some((k) => k.tag === "urn:epc:id:sgtin:0614141.000001.0")).toBe(false);
  });
});
