import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import type { TagReadObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite } from "../testing/demo-site.js";
import { type DetectPassesConfig, detectPasses, OpenPasses, type TagPass } from "./detect-passes.js";

// portal-d1: outer antenna 1, inner antenna 2, inbound door, minReads 2, minRssi -85.
const site = indexSite(demoSite());
const config: DetectPassesConfig = { silenceMs: 100, stationaryMs: 1000, maxOpenPasses: 1000, minDirectionGapMs: 10 };
let n = 0;
const read = (epc: string, antenna: number, ms: number, rssi = -50, deviceId = "portal-d1"): TagReadObservation => ({
  type: "tag-read",
  id: `r${n++}`,
  deviceId,
  epc,
  antenna,
  rssi,
  at: new Date(Date.UTC(2026, 10, 22, 8, 0, 0, ms)).toISOString(),
});

const run = (
  marbles: string,
  values: Record<string, TagReadObservation>,
  expected: string,
  out: Record<string, unknown>,
  cfg = config,
) =>
  new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
    expectObservable(cold(marbles, values).pipe(detectPasses(site, cfg))).toBe(expected, out);
  });

describe("detectPasses", () => {
  it("closes a pass after the silence, with all its reads, inbound from outer → inner", () => {
    run(
      "a b c d 300ms |",
      { a: read("A1", 1, 0, -60), b: read("A1", 1, 10), c: read("A1", 2, 20, -40), d: read("A1", 2, 30) },
      // Last read at frame 3; the sweep every 25 ms closes it once 100 ms of silence have passed.
      "125ms p 178ms |",
      {
        p: {
          portalId: "portal-d1",
          epc: "A1",
          firstAt: read("A1", 1, 0).at,
          lastAt: read("A1", 2, 30).at,
          reads: 4,
          maxRssi: -40,
          direction: "inbound",
          directionFrom: "antennas",
          stationary: false,
          observationIds: expect.any(Array),
        },
      },
    );
  });

  it("calls a tag stationary when its reads span the limit in device time, even if they arrive at once (a replay)", () => {
    const values: Record<string, TagReadObservation> = {};
    const names = "abcdefghijklm";
    for (const [i, name] of [...names].entries()) values[name] = read("PARKED", 1 + (i % 2), i * 90);
    run(`(${names}) 300ms |`, values, "100ms p 214ms |", {
      p: expect.objectContaining({ epc: "PARKED", reads: 13, stationary: true }),
    });
  });

  it("reads inner → outer as outbound, even at an inbound door", () => {
    run("a b 300ms |", { a: read("B", 2, 0), b: read("B", 1, 50) }, "125ms p 176ms |", {
      p: expect.objectContaining({ direction: "outbound", directionFrom: "antennas" }),
    });
  });

  it("falls back to the door's direction when one side only saw the tag", () => {
    run("a b 300ms |", { a: read("C", 1, 0), b: read("C", 1, 50) }, "125ms p 176ms |", {
      p: expect.objectContaining({ direction: "inbound", directionFrom: "door" }),
    });
  });

  it("falls back to the door's direction when both sides saw the tag at about the same time", () => {
    run("a b 300ms |", { a: read("T", 2, 0), b: read("T", 1, 5) }, "125ms p 176ms |", {
      p: expect.objectContaining({ direction: "inbound", directionFrom: "door" }),
    });
  });

  it("drops passes with too few reads and reads below the portal's minimum RSSI", () => {
    run("a b 300ms |", { a: read("D", 1, 0), b: read("E", 1, 0, -95) }, "302ms |", {});
  });

  it("keeps a pass open while reads keep coming, and splits after a silence", () => {
    run("a 50ms a 50ms a 200ms a a 300ms |", { a: read("F", 1, 0) }, "225ms p 202ms q 176ms |", {
      p: expect.objectContaining({ reads: 3 }),
      q: expect.objectContaining({ reads: 2 }),
    });
  });

  it("splits reads further apart in device time than the silence, however close they arrive", () => {
    run(
      "a b c d 300ms |",
      { a: read("S", 1, 0), b: read("S", 2, 10), c: read("S", 1, 5000), d: read("S", 2, 5010) },
      "--p 122ms q 178ms |",
      {
        p: expect.objectContaining({ epc: "S", reads: 2, lastAt: read("S", 2, 10).at }),
        q: expect.objectContaining({ reads: 2 }),
      },
    );
  });

  it("flags a tag parked in the field as stationary", () => {
    const cfg = { ...config, stationaryMs: 150 };
    run(
      "a 60ms a 60ms a 60ms a 300ms |",
      { a: read("G", 1, 0) },
      "300ms p 183ms |",
      { p: expect.objectContaining({ stationary: true, reads: 4 }) },
      cfg,
    );
  });

  it("keeps portals and tags apart, and closes what is open when reads end", () => {
    run(
      "a b c d |",
      { a: read("H", 1, 0), b: read("H", 1, 0, -50, "portal-d1"), c: read("I", 1, 0), d: read("I", 2, 5) },
      "----(pq|)",
      { p: expect.objectContaining({ epc: "H", reads: 2 }), q: expect.objectContaining({ epc: "I", reads: 2 }) },
    );
  });

  it("closes the oldest pass early past its memory bound", () => {
    const cfg = { ...config, maxOpenPasses: 1 };
    run(
      "a a b b 300ms |",
      { a: read("J", 1, 0), b: read("K", 1, 0) },
      "--p 122ms q 178ms |",
      {
        p: expect.objectContaining({ epc: "J" }),
        q: expect.objectContaining({ epc: "K" }),
      },
      cfg,
    );
  });

  it("keeps an index of the passes open, per tag, dropped noise included", () => {
    const open = new OpenPasses();
    const seen: string[][] = [];
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      // A1 passes (two reads); B1 is a single read, dropped as noise when it closes.
      const reads$ = cold("a b c 300ms |", { a: read("A1", 1, 0), b: read("A1", 2, 10), c: read("B1", 1, 20) });
      const passes$ = reads$.pipe(detectPasses(site, config, undefined, open));
      expectObservable(passes$).toBe("125ms p 177ms |", { p: expect.objectContaining({ epc: "A1" }) });
      cold("---x 196ms z").subscribe(() => seen.push([...open.portalsOf("A1"), ...open.portalsOf("B1")]));
    });
    expect(seen).toEqual([["portal-d1", "portal-d1"], []]);
    expect(open.size).toBe(0);
  });
});

describe("detectPasses: a parked tag leaving", () => {
  // Parked after 150 ms in the field; its leaving is read in the last 100 ms, 6 dB stronger than while it stood.
  const cfg: DetectPassesConfig = { ...config, stationaryMs: 150, departureWindowMs: 100, departureMarginDb: 6 };
  /** Plays reads at their device times (ms) in virtual time; returns every pass. */
  const passesOf = (reads: TagReadObservation[]): TagPass[] => {
    const out: TagPass[] = [];
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, flush }) => {
      let marbles = "";
      let at = 0;
      const values: Record<string, TagReadObservation> = {};
      reads.forEach((r, i) => {
        const ms = Date.parse(r.at) - Date.parse(read("X", 1, 0).at);
        if (ms > at) marbles += ` ${ms - at}ms `;
        const name = String.fromCharCode(0x4e00 + i);
        marbles += name;
        values[name] = r;
        at = ms + 1;
      });
      cold(`${marbles} 500ms |`, values)
        .pipe(detectPasses(site, cfg))
        .subscribe((p) => out.push(p));
      flush();
    });
    return out;
  };
  /** Weak reads every 40 ms from 0 to 280 ms on alternating antennas: a tag standing at the field's edge. */
  const standing = (epc: string, untilMs = 280) =>
    Array.from({ length: untilMs / 40 + 1 }, (_, i) => read(epc, 1 + (i % 2), i * 40, -70));

  it("stands, then leaves inwards: one pass of its leaving reads only, inbound", () => {
    const leaving = [read("P", 1, 300, -50), read("P", 1, 310, -48), read("P", 2, 330, -45), read("P", 2, 340, -52)];
    const [pass, ...rest] = passesOf([...standing("P"), ...leaving]);
    expect(rest).toEqual([]);
    expect(pass).toMatchObject({
      epc: "P",
      departed: true,
      stationary: false,
      direction: "inbound",
      directionFrom: "antennas",
      reads: 4,
      maxRssi: -45,
      firstAt: read("P", 1, 300).at,
      lastAt: read("P", 2, 340).at,
    });
  });

  it("stands, then leaves outwards through an inbound door: outbound", () => {
    const leaving = [read("Q", 2, 300, -50), read("Q", 2, 310, -48), read("Q", 1, 330, -45), read("Q", 1, 340, -52)];
    expect(passesOf([...standing("Q"), ...leaving])).toEqual([
      expect.objectContaining({ departed: true, direction: "outbound" }),
    ]);
  });

  it("stays parked when its last reads are no stronger than while it stood, or not in antenna order", () => {
    const weakEnd = [read("R", 1, 300, -66), read("R", 2, 330, -66)];
    const oneSide = [read("S", 1, 300, -45), read("S", 1, 330, -45), read("S", 1, 340, -45)];
    expect(passesOf([...standing("R"), ...weakEnd])).toEqual([
      expect.objectContaining({ stationary: true, reads: 10 }),
    ]);
    expect(passesOf([...standing("S"), ...oneSide])).toEqual([expect.objectContaining({ stationary: true })]);
    for (const p of [...passesOf([...standing("R"), ...weakEnd]), ...passesOf([...standing("S"), ...oneSide])]) {
      expect(p.departed).toBeUndefined();
    }
  });

  it("takes a strong burst long before the end for part of its standing, not its leaving", () => {
    // Strong reads in order at 200–230 ms, then weak ones to 400 ms: the burst is out of the window at the end.
    const burst = [read("U", 1, 200, -45), read("U", 1, 210, -45), read("U", 2, 220, -45), read("U", 2, 230, -45)];
    const after = [240, 280, 320, 360, 400].map((ms, i) => read("U", 1 + (i % 2), ms, -70));
    const reads = [...standing("U", 160), ...burst, ...after];
    expect(passesOf(reads)).toEqual([expect.objectContaining({ stationary: true })]);
  });

  it("knows a parked tag again when a gap in its reads cuts its pass: the next piece is parked too", () => {
    // Stands 0–280 ms, unread for 120 ms (longer than the silence), then read weakly again for 60 ms: too short
    // to be stationary on its own, so without the memory it would be a pass, i.e. a movement.
    const again = [400, 430, 460].map((ms, i) => read("V", 1 + (i % 2), ms, -70));
    expect(passesOf([...standing("V"), ...again])).toEqual([
      expect.objectContaining({ stationary: true, reads: 8 }),
      expect.objectContaining({ stationary: true, reads: 3 }),
    ]);
    // And when that piece is it leaving, it is a departure.
    const leaving = [read("W", 2, 400, -50), read("W", 2, 410, -48), read("W", 1, 430, -45)];
    expect(passesOf([...standing("W"), ...leaving])).toEqual([
      expect.objectContaining({ stationary: true }),
      expect.objectContaining({ departed: true, direction: "outbound", reads: 3 }),
    ]);
  });

  it("forgets a parked tag once it has been gone for the stationary limit", () => {
    const later = [700, 730].map((ms, i) => read("Y", 1 + (i % 2), ms, -70));
    expect(passesOf([...standing("Y"), ...later])).toEqual([
      expect.objectContaining({ stationary: true }),
      expect.objectContaining({ stationary: false, reads: 2 }),
    ]);
  });
});
