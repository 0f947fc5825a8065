import { encodeSgtin96 } from "@tally/protocols";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import type { TagReadObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { movementsFromReads } from "./movements-from-reads.js";

const site = indexSite(demoSite());

function epc(gtin: string, serial: number): string {
  const hex = encodeSgtin96({ gtin, companyPrefixDigits: 7, serial });
  if (!hex.ok) throw new Error(hex.error.message);
  return hex.value;
}

function read(tag: string, deviceId = "portal-d1", antenna = 1): TagReadObservation {
  return {
    type: "tag-read",
    id: `${deviceId}/${tag}`,
    deviceId,
    epc: tag,
    antenna,
    rssi: -50,
    at: "2026-11-22T08:00:00.000Z",
  };
}

const widget1 = epc("00614141000012", 1);
const widget2 = epc("00614141000012", 2);
const unknownGtin = epc("00614141000050", 7);

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe("movementsFromReads", () => {
  it("turns many reads of one tag into one RECEIPT at the inbound door", () => {
    scheduler().run(({ cold, expectObservable }) => {
      const reads = cold("a b a a c a|", { a: read(widget1), b: read(widget1, "portal-d1", 2), c: read(widget2) });
      const out = reads.pipe(movementsFromReads(site, { siteId: "DEMO", newId: sequentialIds() }));
      expectObservable(out).toBe("x 3ms y 1ms |", {
        x: expect.objectContaining({
          kind: "movement",
          movementType: "RECEIPT",
          sku: "WIDGET",
          qty: 1,
          to: "DEMO/DOCK/D1",
          epc: "urn:epc:id:sgtin:0614141.000001.1",
        }),
        y: expect.objectContaining({
          movementType: "RECEIPT",
          sku: "WIDGET",
          epc: "urn:epc:id:sgtin:0614141.000001.2",
        }),
      });
    });
  });

  it("forgets a tag after its time to live, so a later pass counts again", () => {
    scheduler().run(({ cold, expectObservable }) => {
      const reads = cold("a 10ms a 100ms a |", { a: read(widget1) });
      const out = reads.pipe(
        movementsFromReads(site, { siteId: "DEMO", newId: sequentialIds() }, { dedupeTtlMs: 50, maxTags: 10 }),
      );
      expectObservable(out).toBe("x 111ms x |", { x: expect.objectContaining({ movementType: "RECEIPT" }) });
    });
  });

  it("opens one UNKNOWN_TAG task for a GTIN missing from the item master or a non-SGTIN EPC", () => {
    scheduler().run(({ cold, expectObservable }) => {
      const reads = cold("a a b b|", { a: read(unknownGtin), b: read("E2801160600002054E3F1A85") });
      const out = reads.pipe(movementsFromReads(site, { siteId: "DEMO", newId: sequentialIds() }));
      expectObservable(out).toBe("x - y -|", {
        x: expect.objectContaining({ kind: "task", taskType: "UNKNOWN_TAG", location: "DEMO/DOCK/D1" }),
        y: expect.objectContaining({ kind: "task", taskType: "UNKNOWN_TAG", epc: "E2801160600002054E3F1A85" }),
      });
    });
  });

  it("ignores reads from devices that are not portals", () => {
    scheduler().run(({ cold, expectObservable }) => {
      const reads = cold("a|", { a: read(widget1, "scanner-1") });
      expectObservable(reads.pipe(movementsFromReads(site, { siteId: "DEMO", newId: sequentialIds() }))).toBe("-|");
    });
  });
});
