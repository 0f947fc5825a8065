import type { SiteLayout } from "@tally/protocols";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import type { TagReadObservation } from "../domain/observation.js";
import { indexSite, type SiteIndex } from "../domain/site-index.js";
import { demoSiteWithPortals, testPortal } from "../testing/demo-site.js";
import { type DetectPassesConfig, detectPasses, OpenPasses, type TagPass } from "./detect-passes.js";
import { MemoryParkedTags, type ParkedTag, type ParkedTagStore } from "./tag-memory.js";

// portal-d1: outer antenna 1, inner antenna 2, inbound door, minReads 2, minRssi -85.
// portal-d3: one antenna (1), inbound.
const layout: SiteLayout = demoSiteWithPortals(
  testPortal("portal-d3", "DEMO/DOCK/D3", {
    evidence: "one-antenna",
    antennas: { inner: [], outer: [1] },
    presence: { timeoutMs: 2000 },
  }),
);
const site = indexSite(layout);
// Time scaled down: a burst ends after 100 ms without a read, a presence after 500 ms, parked after 1 s.
const config: DetectPassesConfig = {
  silenceMs: 100,
  stationaryMs: 1000,
  maxOpenPasses: 1000,
  minDirectionGapMs: 10,
  presenceTimeoutMs: 500,
  maxPassMs: 300,
  departureWindowMs: 100,
  departureMarginDb: 6,
};
const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
let n = 0;
const read = (epc: string, antenna: number, ms: number, rssi = -50, deviceId = "portal-d1"): TagReadObservation => ({
  type: "tag-read",
  id: `r${n++}`,
  deviceId,
  epc,
  antenna,
  rssi,
  at: new Date(T0 + ms).toISOString(),
});
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** Plays reads at their device times in virtual time; returns every pass. */
function passesOf(
  reads: TagReadObservation[],
  options: { cfg?: DetectPassesConfig; parked?: ParkedTagStore; open?: OpenPasses; index?: SiteIndex } = {},
): TagPass[] {
  const out: TagPass[] = [];
  new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, flush }) => {
    let marbles = "";
    let now = 0;
    const values: Record<string, TagReadObservation> = {};
    const sorted = [...reads].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    sorted.forEach((r, i) => {
      const ms = Date.parse(r.at) - T0;
      if (ms > now) marbles += ` ${ms - now}ms `;
      const name = String.fromCharCode(0x4e00 + i);
      marbles += name;
      values[name] = r;
      now = Math.max(now, ms) + 1;
    });
    cold(`${marbles} 3000ms |`, values)
      .pipe(detectPasses(options.index ?? site, options.cfg ?? config, undefined, options.open, options.parked))
      .subscribe((p) => out.push(p));
    flush();
  });
  return out;
}

/** Weak reads every `everyMs` from `fromMs` to `toMs` on alternating antennas: a tag standing in the field. */
const standing = (epc: string, fromMs: number, toMs: number, everyMs = 40, rssi = -70) =>
  Array.from({ length: Math.floor((toMs - fromMs) / everyMs) + 1 }, (_, i) =>
    read(epc, 1 + (i % 2), fromMs + i * everyMs, rssi),
  );

describe("detectPasses: a tag carried through", () => {
  it("crosses inbound when the outer side read it first, dated between the sides", () => {
    const reads = [read("A", 1, 0, -60), read("A", 1, 10), read("A", 2, 40, -40), read("A", 2, 50)];
    expect(passesOf(reads)).toEqual([
      {
        portalId: "portal-d1",
        epc: "A",
        firstAt: at(0),
        lastAt: at(50),
        reads: 4,
        maxRssi: -40,
        verdict: "crossing",
        evidence: "crossing",
        direction: "inbound",
        directionFrom: "antennas",
        crossingAt: at(25),
        fresh: true,
        observationIds: expect.any(Array),
      },
    ]);
  });

  it("dates a pass by its first and last reads' own texts, canonical or not", () => {
    // Offset texts: the same instants as the canonical ones, as a reader may say them.
    const offset = (ms: number) => at(ms).replace(/^(.{11})08(.*)Z$/, "$109$2+01:00");
    const canonical = [read("A", 1, 0), read("A", 1, 10), read("A", 2, 40), read("A", 2, 50)];
    const offsetTexts = canonical.map((r, i) => ({ ...r, id: `o${i}`, epc: "B", at: offset([0, 10, 40, 50][i] ?? 0) }));
    expect(offset(0)).toBe("2026-11-22T09:00:00.000+01:00");
    expect(passesOf([...canonical, ...offsetTexts])).toEqual([
      expect.objectContaining({ epc: "A", firstAt: at(0), lastAt: at(50) }),
      expect.objectContaining({ epc: "B", firstAt: offset(0), lastAt: offset(50) }),
    ]);
  });

  it("crosses outbound when the inner side came first, even at an inbound door", () => {
    const reads = [read("B", 2, 0), read("B", 2, 10), read("B", 1, 50), read("B", 1, 60)];
    expect(passesOf(reads)).toEqual([expect.objectContaining({ verdict: "crossing", direction: "outbound" })]);
  });

  it("never takes the door's direction for a tag read on one side only: a candidate, without a direction", () => {
    const [pass] = passesOf([read("C", 1, 0), read("C", 1, 50)]);
    expect(pass).toMatchObject({ verdict: "candidate", evidence: "one-sided", fresh: true });
    expect(pass?.direction).toBeUndefined();
  });

  it("makes reads on both sides in no order a candidate too", () => {
    const reads = [read("D", 2, 0), read("D", 1, 10), read("D", 2, 20), read("D", 1, 30)];
    expect(passesOf(reads)).toEqual([expect.objectContaining({ verdict: "candidate", evidence: "unordered" })]);
  });

  it("ignores too few reads and reads below the portal's minimum RSSI", () => {
    expect(passesOf([read("E", 1, 0), read("E", 2, 50, -95)])).toEqual([]);
  });

  it("keeps portals and tags apart", () => {
    const reads = [
      ...[read("H", 1, 0), read("H", 1, 10), read("H", 2, 30), read("H", 2, 40)],
      ...[read("I", 2, 0), read("I", 2, 10), read("I", 1, 30), read("I", 1, 40)],
    ];
    expect(passesOf(reads).map((p) => [p.epc, p.direction])).toEqual([
      ["H", "inbound"],
      ["I", "outbound"],
    ]);
  });

  it("keeps an index of the bursts open, per tag, noise included", () => {
    const open = new OpenPasses();
    const seen: string[][] = [];
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const reads$ = cold("a b c 300ms |", { a: read("A1", 1, 0), b: read("A1", 2, 10), c: read("B1", 1, 20) });
      expectObservable(reads$.pipe(detectPasses(site, config, undefined, open))).toBe("125ms p 177ms (q|)", {
        p: expect.objectContaining({ epc: "A1", verdict: "candidate", evidence: "weak-crossing" }),
        // Thinly read, in order, and never read again: it crossed.
        q: expect.objectContaining({ epc: "A1", verdict: "crossing", evidence: "weak-crossing" }),
      });
      cold("---x 196ms z").subscribe(() => seen.push([...open.portalsOf("A1"), ...open.portalsOf("B1")]));
    });
    expect(seen).toEqual([["portal-d1", "portal-d1"], []]);
    expect(open.size).toBe(0);
  });

  it("drops the oldest presence past its memory bound, judging what it had", () => {
    const reads = [read("J", 1, 0), read("J", 1, 5), read("J", 2, 20), read("J", 2, 25)];
    reads.push(read("K", 1, 30), read("K", 1, 35), read("K", 2, 50), read("K", 2, 55));
    expect(passesOf(reads, { cfg: { ...config, maxOpenPasses: 1 } }).map((p) => p.epc)).toEqual(["J", "K"]);
  });
});

describe("detectPasses: presence spans gaps", () => {
  // Bursts of two reads (outer, then inner: a crossing's order by chance), 200 ms apart: longer than the
  // burst silence, shorter than the presence timeout.
  const flickering = (epc: string, untilMs: number) =>
    Array.from({ length: Math.floor(untilMs / 200) }, (_, i) => [
      read(epc, 1, i * 200, -66),
      read(epc, 2, i * 200 + 30, -65),
    ]).flat();

  it("judges only a presence's first burst on its own reads; later ones must clearly stand out", () => {
    const passes = passesOf(flickering("F", 3000));
    // The first burst is a weak, single-read-a-side order: a candidate (tags crossing beside it could vouch
    // for it); the fourteen after it are the same tag still standing there: nothing.
    expect(passes).toEqual([expect.objectContaining({ verdict: "candidate", evidence: "weak-crossing", fresh: true })]);
  });

  it("(control) with a presence timeout below the gaps, every burst is judged afresh", () => {
    const passes = passesOf(flickering("F", 3000), { cfg: { ...config, presenceTimeoutMs: 150 } });
    expect(passes.length).toBeGreaterThan(10);
  });

  it("starts afresh once the tag has been gone longer than the presence timeout", () => {
    const reads = [
      ...standing("G", 0, 400),
      read("G", 1, 1000),
      read("G", 1, 1010),
      read("G", 2, 1040),
      read("G", 2, 1050),
    ];
    expect(passesOf(reads)).toEqual([expect.objectContaining({ verdict: "crossing", fresh: true, firstAt: at(1000) })]);
  });

  it("takes a long burst for a tag standing there, not a pass, whatever the order of its reads", () => {
    // 0–400 ms, every 20 ms: outer reads first half, inner second half, all weak and flat.
    const reads = Array.from({ length: 21 }, (_, i) => read("L", i < 10 ? 1 : 2, i * 20, -66));
    expect(passesOf(reads)).toEqual([]);
  });
});

describe("detectPasses: parked tags", () => {
  const leavingIn = (epc: string, fromMs: number) => [
    read(epc, 1, fromMs, -50),
    read(epc, 1, fromMs + 10, -48),
    read(epc, 2, fromMs + 30, -45),
    read(epc, 2, fromMs + 40, -52),
  ];

  it("stands past the stationary limit, then leaves inwards: a crossing of its leaving reads, at their time", () => {
    const passes = passesOf([...standing("P", 0, 1200), ...leavingIn("P", 1250)]);
    expect(passes).toEqual([
      expect.objectContaining({
        verdict: "crossing",
        direction: "inbound",
        departed: true,
        fresh: false,
        reads: 4,
        firstAt: at(1250),
        crossingAt: at(1270),
      }),
    ]);
  });

  it("stays parked when its last reads are no stronger than while it stood", () => {
    expect(passesOf([...standing("R", 0, 1200), read("R", 1, 1250, -67), read("R", 2, 1280, -66)])).toEqual([]);
  });

  it("makes strong leaving reads on one side only a candidate: tags leaving with it may vouch for it", () => {
    const oneSide = [read("S", 1, 1250, -45), read("S", 1, 1280, -45), read("S", 1, 1290, -45)];
    expect(passesOf([...standing("S", 0, 1200), ...oneSide])).toEqual([
      expect.objectContaining({ verdict: "candidate", evidence: "one-sided", departed: true }),
    ]);
  });

  it("remembers parked tags in the store, forgets them once they leave", () => {
    const parks: ParkedTag[] = [];
    const parked = new (class extends MemoryParkedTags {
      override park(tag: ParkedTag): void {
        parks.push(tag);
        super.park(tag);
      }
    })();
    passesOf(standing("M", 0, 1200), { parked });
    expect(parks[0]).toEqual({
      portalId: "portal-d1",
      epc: "M",
      sinceMs: T0,
      lastAtMs: expect.any(Number),
      dwellMaxRssi: -70,
    });
    // A parked tag's presence ends a stationary limit after its last read: it is forgotten then.
    expect(parked.size).toBe(0);
  });

  it("after a restart, a tag remembered as parked stands from its first read, and its leaving still counts", () => {
    const parked = new MemoryParkedTags();
    parked.park({ portalId: "portal-d1", epc: "N", sinceMs: T0 - 600_000, lastAtMs: T0 - 100, dwellMaxRssi: -66 });
    // Without the memory this short, flat, ordered burst would be judged as a fresh pass.
    const burst = [read("N", 1, 0, -66), read("N", 1, 10, -66), read("N", 2, 40, -65), read("N", 2, 50, -66)];
    expect(passesOf(burst, { parked })).toEqual([]);
    expect(passesOf(burst)).toEqual([expect.objectContaining({ verdict: "crossing", fresh: true })]);
    const restored = new MemoryParkedTags();
    restored.park({ portalId: "portal-d1", epc: "N", sinceMs: T0 - 600_000, lastAtMs: T0 - 100, dwellMaxRssi: -66 });
    expect(passesOf([...burst, ...leavingIn("N", 200)], { parked: restored })).toEqual([
      expect.objectContaining({ verdict: "crossing", departed: true, firstAt: at(200) }),
    ]);
    expect(restored.size).toBe(0);
  });
});

describe("detectPasses: one-antenna doors and per-portal settings", () => {
  it("crosses in the door's direction on a rise and fall, at the peak; a flat strength stands", () => {
    const passing = [-70, -58, -45, -57, -69].map((rssi, i) => read("O", 1, i * 40, rssi, "portal-d3"));
    expect(passesOf(passing)).toEqual([
      expect.objectContaining({
        verdict: "crossing",
        direction: "inbound",
        directionFrom: "signal",
        crossingAt: at(80),
      }),
    ]);
    const flat = [-62, -60, -63, -61].map((rssi, i) => read("Q", 1, i * 40, rssi, "portal-d3"));
    expect(passesOf(flat)).toEqual([expect.objectContaining({ verdict: "candidate", evidence: "one-sided" })]);
  });

  it("keeps a presence for the portal's own timeout (2 s at portal-d3)", () => {
    // 1 s apart: past the edge's 500 ms presence timeout, within portal-d3's 2 s.
    const first = [-70, -58, -45, -57, -69].map((rssi, i) => read("U", 1, i * 40, rssi, "portal-d3"));
    const again = [-70, -58, -45, -57, -69].map((rssi, i) => read("U", 1, 1000 + i * 40, rssi, "portal-d3"));
    const passes = passesOf([...first, ...again]);
    // The second rise and fall is no stronger than the first: the same presence, nothing new.
    expect(passes).toHaveLength(1);
  });
});
