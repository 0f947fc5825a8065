import { from, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { ScanObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { movementsFromScans } from "./movements-from-scans.js";

const site = indexSite(demoSite());
const scan = (fields: Partial<ScanObservation>): ScanObservation => ({
  type: "scan",
  id: "s1",
  deviceId: "scanner-1",
  gtin: "00614141000043",
  qty: 24,
  action: "RECEIPT",
  location: "DEMO/DOCK/D1",
  at: "2026-11-22T08:00:00.000Z",
  ...fields,
});
const run = (scans: ScanObservation[]) =>
  lastValueFrom(from(scans).pipe(movementsFromScans(site, { siteId: "DEMO", newId: sequentialIds() }), toArray()));

describe("movementsFromScans", () => {
  it("turns each action into its movement, with lot and expiry", async () => {
    const out = await run([
      scan({ lot: "L1", expiry: "2027-12-31" }),
      scan({ action: "PUTAWAY", fromLocation: "DEMO/DOCK/D1", location: "DEMO/PICK/A1", qty: 10 }),
      scan({ action: "PICK", location: "DEMO/PICK/A1", qty: 2 }),
    ]);
    expect(out).toEqual([
      expect.objectContaining({
        movementType: "RECEIPT",
        sku: "SOAP",
        qty: 24,
        to: "DEMO/DOCK/D1",
        lot: "L1",
        expiry: "2027-12-31",
      }),
      expect.objectContaining({ movementType: "PUTAWAY", qty: 10, from: "DEMO/DOCK/D1", to: "DEMO/PICK/A1" }),
      expect.objectContaining({ movementType: "PICK", qty: 2, from: "DEMO/PICK/A1" }),
    ]);
    expect(out[2]).not.toHaveProperty("to");
  });

  it("sends a count as telemetry, never as a movement", async () => {
    expect(await run([scan({ action: "COUNT", qty: 7, location: "DEMO/PICK/A1" })])).toEqual([
      expect.objectContaining({
        kind: "telemetry",
        metric: "count:SOAP",
        value: 7,
        unit: "units",
        location: "DEMO/PICK/A1",
      }),
    ]);
  });

  it("opens an UNKNOWN_TAG task for a GTIN missing from the item master", async () => {
    expect(await run([scan({ gtin: "00614141000050" })])).toEqual([
      expect.objectContaining({ kind: "task", taskType: "UNKNOWN_TAG", location: "DEMO/DOCK/D1" }),
    ]);
  });
});
