import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import type { WeightObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { picksFromWeights } from "./picks-from-weights.js";

const site = indexSite(demoSite());
const w = (grams: number, location = "DEMO/PICK/A1"): WeightObservation => ({
  type: "weight",
  id: `w${grams}`,
  deviceId: "shelf-1",
  location,
  grams,
  at: "2026-11-22T08:00:00.000Z",
});

const run = (
  marbles: string,
  values: Record<string, WeightObservation>,
  expected: string,
  out: Record<string, unknown>,
) =>
  new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
    const weights = cold(marbles, values);
    expectObservable(
      weights.pipe(picksFromWeights(site, { siteId: "DEMO", newId: sequentialIds() }, { settleMs: 10 })),
    ).toBe(expected, out);
  });

describe("picksFromWeights (WIDGET: 250 g ± 20 g)", () => {
  it("reads a settled drop of whole units as a PICK, after a baseline", () => {
    // 0 g baseline, +10 units (putaway: no movement), −3 units → PICK 3.
    run("a 20ms b 20ms c 20ms |", { a: w(0), b: w(2500), c: w(1745) }, "52ms p 10ms |", {
      p: expect.objectContaining({
        kind: "movement",
        movementType: "PICK",
        sku: "WIDGET",
        qty: 3,
        from: "DEMO/PICK/A1",
      }),
    });
  });

  it("waits for the weight to settle: a wobble inside the settle time counts once", () => {
    run("a 20ms b c d 20ms |", { a: w(2500), b: w(2100), c: w(1900), d: w(2000) }, "33ms p 10ms |", {
      p: expect.objectContaining({ movementType: "PICK", qty: 2 }),
    });
  });

  it("opens a task when the change is not a whole number of units", () => {
    run("a 20ms b 20ms |", { a: w(2500), b: w(2380) }, "31ms t 10ms |", {
      t: expect.objectContaining({ kind: "task", taskType: "WEIGHT_NOT_WHOLE_UNITS", location: "DEMO/PICK/A1" }),
    });
  });

  it("keeps bins apart", () => {
    run(
      "a b 20ms c d 20ms |",
      { a: w(2500), b: w(1600, "DEMO/PICK/A2"), c: w(2250), d: w(1200, "DEMO/PICK/A2") },
      "32ms p q 10ms |",
      {
        p: expect.objectContaining({ sku: "WIDGET", qty: 1 }),
        q: expect.objectContaining({ sku: "GADGET", qty: 1, from: "DEMO/PICK/A2" }),
      },
    );
  });
});
