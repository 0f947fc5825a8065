import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import { tagPass } from "../testing/tag-pass.js";
import type { TagPass } from "./detect-passes.js";
import { type OpenPassLookup, strongerPass, suppressCrossReads } from "./suppress-cross-reads.js";

const pass = (portalId: string, fields: Partial<TagPass> = {}): TagPass => tagPass({ portalId, ...fields });

const config = { windowMs: 3000, holdOffMs: 100, rssiMarginDb: 6, maxHoldMs: 2000 };
const run = (marbles: string, values: Record<string, TagPass>, expected: string, out: Record<string, TagPass>) =>
  new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
    expectObservable(cold(marbles, values).pipe(suppressCrossReads((a, b) => a !== b && b !== "far", config))).toBe(
      expected,
      out,
    );
  });

describe("strongerPass", () => {
  it("lets a clear RSSI lead decide, then the proof of crossing, then any RSSI lead, then the read count", () => {
    const own = pass("d1", { reads: 12, maxRssi: -45 });
    const stray = pass("d2", { reads: 3, maxRssi: -72 });
    expect(strongerPass(own, stray, 6)).toBe(own);
    expect(strongerPass(stray, own, 6)).toBe(own);
    // A burst at the neighbour with more reads, a few dB weaker: the stronger read wins.
    const closeCall = pass("d2", { reads: 14, maxRssi: -48 });
    expect(strongerPass(own, closeCall, 6)).toBe(own);
    const level = pass("d2", { reads: 14, maxRssi: -45 });
    expect(strongerPass(own, level, 6)).toBe(level);
    expect(
      strongerPass(pass("d1", { maxRssi: -40, reads: 2 }), pass("d2", { maxRssi: -50, reads: 30 }), 6).portalId,
    ).toBe("d1");
  });

  it("prefers a crossing to a pass that is none, and a tag's own proof to its group's within the margin", () => {
    const unconfirmed = pass("d1", { verdict: "unconfirmed", evidence: "unordered", maxRssi: -40 });
    const crossing = pass("d2", { maxRssi: -60 });
    expect(strongerPass(unconfirmed, crossing, 6)).toBe(crossing);
    const group = pass("d1", { directionFrom: "group", evidence: "one-sided", maxRssi: -44 });
    const own = pass("d2", { maxRssi: -46 });
    expect(strongerPass(group, own, 6)).toBe(own);
  });
});

describe("suppressCrossReads", () => {
  it("holds a pass for its hold-off, then lets it through", () => {
    const a = pass("d1");
    run("a 200ms |", { a }, "100ms a 100ms |", { a });
  });

  it("drops the weaker of two passes of one tag at two doors in one window, whichever comes first", () => {
    const own = pass("d1", { reads: 12, maxRssi: -45 });
    const stray = pass("d2", { reads: 3, maxRssi: -72, firstAt: "2026-11-22T08:00:01.000Z" });
    run("s o 200ms |", { s: stray, o: own }, "101ms o 100ms |", { o: own });
    run("o s 200ms |", { s: stray, o: own }, "100ms o 101ms |", { o: own });
  });

  it("lets both through when the passes are far apart in time (door 1, later door 2)", () => {
    const first = pass("d1");
    const later = pass("d2", { firstAt: "2026-11-22T08:10:00.000Z", lastAt: "2026-11-22T08:10:02.000Z" });
    run("a b 200ms |", { a: first, b: later }, "100ms a b 100ms |", { a: first, b: later });
  });

  it("never lets portals that are not neighbours compete", () => {
    const a = pass("d1", { reads: 30 });
    const b = pass("far", { reads: 2 });
    run("a b 200ms |", { a, b }, "100ms a b 100ms |", { a, b });
  });

  it("never compares a portal with itself", () => {
    const a = pass("d1");
    const b = pass("d1", { reads: 2 });
    run("a b 200ms |", { a, b }, "100ms a b 100ms |", { a, b });
  });

  it("lets passes that came together through together, each after its own hold-off", () => {
    const a = pass("d1", { epc: "E1" });
    const b = pass("d1", { epc: "E2" });
    const c = pass("d2", { epc: "E3" });
    run("(ab) c 200ms |", { a, b, c }, "100ms (ab) c 100ms |", { a, b, c });
  });

  it("drops a rival that came in the same moment, and lets the rest of that moment through", () => {
    const own = pass("d1", { reads: 12, maxRssi: -45 });
    const stray = pass("d2", { reads: 3, maxRssi: -72 });
    const other = pass("d2", { epc: "E9" });
    run("(sxo) 200ms |", { s: stray, o: own, x: other }, "100ms (xo) 101ms |", { o: own, x: other });
  });

  it("lets held passes through when the input completes", () => {
    const a = pass("d1");
    run("a|", { a }, "-(a|)", { a });
  });
});

describe("suppressCrossReads waiting for a rival still open at a neighbouring door", () => {
  const own = pass("d1", { reads: 12, maxRssi: -45 });
  // At live speed a neighbour's stray reads end early: its pass closes a second before the tag's own.
  const stray = pass("d2", { reads: 2, maxRssi: -72 });
  const runWith = (
    marbles: string,
    values: Record<string, TagPass>,
    expected: string,
    out: Record<string, TagPass>,
    open: (now: number) => string[],
    cfg = config,
  ) => {
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    scheduler.run(({ cold, expectObservable }) => {
      const lookup: OpenPassLookup = { portalsOf: (epc) => (epc === "E1" ? open(scheduler.now()) : []) };
      const neighbours = (a: string, b: string) => a !== b && a !== "far" && b !== "far";
      expectObservable(
        cold(marbles, values).pipe(suppressCrossReads(neighbours, cfg, undefined, undefined, lookup)),
      ).toBe(expected, out);
    });
  };

  it("holds the stray while the tag's pass at the neighbour is open, and drops it when that pass wins", () => {
    runWith("s 999ms o 200ms |", { s: stray, o: own }, "1100ms o 100ms |", { o: own }, (now) =>
      now < 1000 ? ["d1"] : [],
    );
  });

  it("without knowing what is open, lets the stray through before its rival closes (why it asks)", () => {
    run("s 999ms o 200ms |", { s: stray, o: own }, "100ms s 999ms o 100ms |", { s: stray, o: own });
  });

  it("waits no longer than maxHoldMs in all", () => {
    runWith("s 999ms |", { s: stray }, "500ms s 499ms |", { s: stray }, () => ["d1"], { ...config, maxHoldMs: 500 });
  });

  it("does not wait for the same door, or for a door that is not a neighbour", () => {
    runWith("s 300ms |", { s: stray }, "100ms s 200ms |", { s: stray }, () => ["d2", "far"]);
  });
});
