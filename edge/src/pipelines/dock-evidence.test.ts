import { type EdgeEvent, encodeSgtin96, type Movement, type SiteLayout } from "@tally/protocols";
import { Subject, VirtualTimeScheduler } from "rxjs";
import { describe, expect, it } from "vitest";
import type { TagReadObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSiteWithPortals, sequentialIds, testPortal } from "../testing/demo-site.js";
import { seededRandom } from "../testing/seeded-random.js";
import { DEFAULT_PIPELINE_CONFIG, edgePipeline } from "./edge-pipeline.js";
import { MemoryParkedTags, type ParkedTagStore } from "./tag-memory.js";

/**
 * The whole edge pipeline, in virtual time, on a dock's hard cases: tags
 * standing in a door's field read now and then (on one side, or in the
 * doorway), approaches that turn back, staged pallets that later go
 * through, one-antenna doors, strays at the neighbouring door. Real passes
 * must move once each, at their crossing time; nothing else may move.
 */
const layout: SiteLayout = demoSiteWithPortals(
  testPortal("portal-d2", "DEMO/DOCK/D2", { neighbours: ["portal-d1"] }),
  testPortal("portal-d3", "DEMO/DOCK/D3", { evidence: "one-antenna", antennas: { inner: [], outer: [1] } }),
);
const site = indexSite(layout);
const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
const WIDGET = "00614141000012";

const tag = (serial: number): string => {
  const hex = encodeSgtin96({ gtin: WIDGET, companyPrefixDigits: 7, serial });
  if (!hex.ok) throw new Error(hex.error.message);
  return hex.value;
};
const tags = (from: number, count: number) => Array.from({ length: count }, (_, i) => tag(from + i));

interface PlannedRead {
  ms: number;
  deviceId: string;
  epc: string;
  antenna: number;
  rssi: number;
}

/** Tags carried through a door over `passMs`: reads on the first side, then the second, strongest mid-side. */
function pass(
  rnd: () => number,
  epcs: readonly string[],
  startMs: number,
  options: { deviceId?: string; direction?: "inbound" | "outbound"; passMs?: number; miss?: number } = {},
): PlannedRead[] {
  const passMs = options.passMs ?? 2000;
  const half = passMs / 2;
  const [first, second] = (options.direction ?? "inbound") === "inbound" ? [1, 2] : [2, 1];
  const out: PlannedRead[] = [];
  for (const epc of epcs) {
    for (const [antenna, from] of [
      [first, 0],
      [second, half],
    ] as const) {
      const n = 2 + Math.floor(rnd() * 3);
      for (let i = 0; i < n; i++) {
        if (rnd() < (options.miss ?? 0.1)) continue;
        const offset = from + rnd() * half;
        const metres = (Math.abs(offset - from - half / 2) / (half / 2)) * 2;
        out.push({
          ms: Math.floor(startMs + offset),
          deviceId: options.deviceId ?? "portal-d1",
          epc,
          antenna,
          rssi: Math.round(-40 - 8 * metres + (rnd() * 4 - 2)),
        });
      }
    }
  }
  return out;
}

/** Tags standing in a door's field: a weak read every `everyMs` (± a third), some missed, at flat strength. */
function standing(
  rnd: () => number,
  epcs: readonly string[],
  startMs: number,
  durationMs: number,
  options: { everyMs: number; miss: number; where: "outside" | "inside" | "doorway"; deviceId?: string; rssi?: number },
): PlannedRead[] {
  const out: PlannedRead[] = [];
  for (const epc of epcs) {
    for (let t = rnd() * options.everyMs; t < durationMs; t += options.everyMs * (0.67 + rnd() * 0.66)) {
      if (rnd() < options.miss) continue;
      const antenna = options.where === "outside" ? 1 : options.where === "inside" ? 2 : rnd() < 0.5 ? 1 : 2;
      out.push({
        ms: Math.floor(startMs + t),
        deviceId: options.deviceId ?? "portal-d1",
        epc,
        antenna,
        rssi: Math.round((options.rssi ?? -62) + (rnd() * 6 - 3)),
      });
    }
  }
  return out;
}

/** An approach that turns back: the outer antenna only, strength rising then falling. */
function approach(rnd: () => number, epcs: readonly string[], startMs: number): PlannedRead[] {
  const out: PlannedRead[] = [];
  for (const epc of epcs) {
    for (let i = 0; i < 6; i++) {
      if (rnd() < 0.1) continue;
      const peakDistance = Math.abs(i - 2.5) / 2.5;
      out.push({
        ms: startMs + i * 300,
        deviceId: "portal-d1",
        epc,
        antenna: 1,
        rssi: Math.round(-44 - 14 * peakDistance),
      });
    }
  }
  return out;
}

/** Plays reads through the edge pipeline in virtual time; returns what it emitted. */
function play(reads: readonly PlannedRead[], parkedTags?: ParkedTagStore, tailMs = 120_000): EdgeEvent[] {
  const scheduler = new VirtualTimeScheduler(undefined, Math.max(0, ...reads.map((r) => r.ms)) + tailMs);
  const observations$ = new Subject<TagReadObservation>();
  const out: EdgeEvent[] = [];
  const sorted = [...reads].sort((a, b) => a.ms - b.ms);
  const subscription = edgePipeline(
    { observations$, ...(parkedTags !== undefined && { parkedTags }) },
    site,
    { siteId: "DEMO", newId: sequentialIds() },
    DEFAULT_PIPELINE_CONFIG,
    scheduler,
  ).subscribe((e) => out.push(e));
  let n = 0;
  for (const r of sorted) {
    scheduler.schedule(() => {
      observations$.next({
        type: "tag-read",
        id: `r${n++}`,
        deviceId: r.deviceId,
        epc: r.epc,
        antenna: r.antenna,
        rssi: r.rssi,
        at: new Date(T0 + r.ms).toISOString(),
      });
    }, r.ms);
  }
  scheduler.flush();
  subscription.unsubscribe();
  return out;
}

/** The movement of an EPC (hex), found by its serial. */
const movedUri = (moved: readonly Movement[], hex: string): string | undefined => {
  const serial = BigInt(`0x${hex}`) & ((1n << 38n) - 1n);
  return moved.find((m) => m.epc?.endsWith(`.${serial}`))?.epc;
};
const movements = (events: EdgeEvent[]) => events.filter((e): e is Movement => e.kind === "movement");
const tasks = (events: EdgeEvent[]) => events.filter((e) => e.kind === "task");
const msOf = (iso: string) => Date.parse(iso) - T0;

describe("presence across gaps: tags standing in a door's field move nothing, however sparsely read", () => {
  for (const everyMs of [500, 2000, 5000]) {
    for (const where of ["outside", "inside"] as const) {
      it(`a pallet ${where} the door, read every ${everyMs} ms with 40 % missed, for 10 minutes`, () => {
        const rnd = seededRandom(everyMs + (where === "inside" ? 1 : 0));
        const out = play(standing(rnd, tags(1, 20), 0, 600_000, { everyMs, miss: 0.4, where }));
        expect(movements(out)).toEqual([]);
      });
    }
  }

  it("a pallet in the doorway, read by both antennas at the same strength in no order: no receipts, no shipments", () => {
    const rnd = seededRandom(77);
    for (const everyMs of [500, 1000, 2000]) {
      const out = play(standing(rnd, tags(100, 20), 0, 600_000, { everyMs, miss: 0.3, where: "doorway" }));
      expect(movements(out)).toEqual([]);
      // At most one look per tag: a doorway pallet is not a stream of alerts either.
      expect(tasks(out).length).toBeLessThanOrEqual(20);
    }
  });
});

describe("a crossing needs evidence of crossing", () => {
  it("a pallet carried through: each tag received once, at its crossing time (mid-pass), not its last read", () => {
    const rnd = seededRandom(5);
    const epcs = tags(200, 40);
    const out = play(pass(rnd, epcs, 10_000));
    const moved = movements(out);
    expect(moved).toHaveLength(40);
    expect(new Set(moved.map((m) => m.epc)).size).toBe(40);
    expect(moved.every((m) => m.movementType === "RECEIPT" && m.to === "DEMO/DOCK/D1")).toBe(true);
    // Every movement of the edge says what it rests on.
    expect(moved.every((m) => m.evidence.sources?.join() === "rfid")).toBe(true);
    // The pass runs 10.0 s → 12.0 s: the tags are between the antennas at about 11.0 s.
    for (const m of moved) expect(Math.abs(msOf(m.occurredAt) - 11_000)).toBeLessThanOrEqual(500);
  });

  it("outbound through an inbound door is a shipment, by the antennas' order", () => {
    const out = play(pass(seededRandom(6), tags(300, 10), 5000, { direction: "outbound" }));
    expect(movements(out).map((m) => m.movementType)).toEqual(Array(10).fill("SHIPMENT"));
  });

  it("an approach on the outer side that turns back moves nothing and raises nothing", () => {
    const out = play(approach(seededRandom(7), tags(400, 25), 3000));
    expect(out.filter((e) => e.kind === "movement" || e.kind === "task")).toEqual([]);
  });

  it("tags of a pallet read on one side only cross with the tags that clearly crossed beside them", () => {
    const rnd = seededRandom(8);
    const epcs = tags(500, 30);
    // Three tags' inner reads all missed: their own reads show one side only.
    const reads = pass(rnd, epcs, 20_000).filter((r) => !(epcs.slice(0, 3).includes(r.epc) && r.antenna === 2));
    const moved = movements(play(reads));
    expect(moved).toHaveLength(30);
    const oneSided = new Set(epcs.slice(0, 3).map((e) => movedUri(moved, e)));
    expect(moved.filter((m) => oneSided.has(m.epc)).map((m) => m.confidence)).toEqual([0.95, 0.95, 0.95]);
  });

  it("a lone tag read on both sides in no order is an unconfirmed pass: a task with its reads, no movement", () => {
    const epc = tag(600);
    const reads: PlannedRead[] = [
      { ms: 1000, deviceId: "portal-d1", epc, antenna: 2, rssi: -45 },
      { ms: 1100, deviceId: "portal-d1", epc, antenna: 1, rssi: -44 },
      { ms: 1200, deviceId: "portal-d1", epc, antenna: 2, rssi: -46 },
      { ms: 1300, deviceId: "portal-d1", epc, antenna: 1, rssi: -45 },
    ];
    const out = play(reads);
    expect(movements(out)).toEqual([]);
    expect(tasks(out)).toEqual([
      expect.objectContaining({ taskType: "UNCONFIRMED_PASS", location: "DEMO/DOCK/D1", evidence: expect.anything() }),
    ]);
  });
});

describe("aborted and delayed passes", () => {
  it("a pallet staged outside the door for 3 minutes, then carried through: received once, at the crossing", () => {
    const rnd = seededRandom(9);
    const epcs = tags(700, 15);
    const reads = [
      ...standing(rnd, epcs, 0, 180_000, { everyMs: 2000, miss: 0.3, where: "outside" }),
      ...pass(rnd, epcs, 180_500),
    ];
    const moved = movements(play(reads));
    expect(moved).toHaveLength(15);
    expect(new Set(moved.map((m) => m.epc)).size).toBe(15);
    for (const m of moved) expect(Math.abs(msOf(m.occurredAt) - 181_500)).toBeLessThanOrEqual(700);
  });

  it("brought close and taken away, then carried through a few minutes later: received once, at the later crossing", () => {
    const rnd = seededRandom(10);
    const epcs = tags(800, 12);
    const moved = movements(play([...approach(rnd, epcs, 1000), ...pass(rnd, epcs, 240_000)]));
    expect(moved).toHaveLength(12);
    for (const m of moved) expect(Math.abs(msOf(m.occurredAt) - 241_000)).toBeLessThanOrEqual(500);
  });

  it("a pallet standing in the field keeps standing across a restart of the pipeline (parked memory)", () => {
    const rnd = seededRandom(11);
    const epcs = tags(900, 10);
    const parked = new MemoryParkedTags();
    // First life: ten minutes standing outside the door.
    expect(
      movements(play(standing(rnd, epcs, 0, 600_000, { everyMs: 2000, miss: 0.3, where: "outside" }), parked, 1000)),
    ).toEqual([]);
    expect(parked.size).toBe(10);
    // Second life (a restart): the same tags, still standing, then carried through.
    const second = [
      ...standing(rnd, epcs, 0, 60_000, { everyMs: 2000, miss: 0.3, where: "outside" }),
      ...pass(rnd, epcs, 60_500),
    ];
    const moved = movements(play(second, parked));
    expect(moved).toHaveLength(10);
    for (const m of moved) expect(Math.abs(msOf(m.occurredAt) - 61_500)).toBeLessThanOrEqual(700);
    expect(parked.size).toBe(0);
  });
});

describe("one-antenna doors", () => {
  it("move a tag whose strength rose and fell as it passed, in the door's direction; a flat one stands", () => {
    const rnd = seededRandom(12);
    const passing = tags(1000, 10);
    const reads: PlannedRead[] = [];
    for (const epc of passing) {
      for (const [i, rssi] of [-66, -56, -44, -55, -67].entries()) {
        reads.push({ ms: 5000 + i * 400 + Math.floor(rnd() * 100), deviceId: "portal-d3", epc, antenna: 1, rssi });
      }
    }
    reads.push(
      ...standing(rnd, tags(1100, 10), 0, 300_000, {
        everyMs: 1000,
        miss: 0.3,
        where: "outside",
        deviceId: "portal-d3",
      }),
    );
    const moved = movements(play(reads));
    // Serials 1000–1009 passed; 1100–1109 stood.
    expect(new Set(moved.map((m) => Number(m.epc?.split(".").at(-1))))).toEqual(
      new Set(Array.from({ length: 10 }, (_, i) => 1000 + i)),
    );
    expect(moved).toHaveLength(10);
    expect(moved.every((m) => m.movementType === "RECEIPT" && m.to === "DEMO/DOCK/D3" && m.confidence === 0.9)).toBe(
      true,
    );
  });
});

describe("strays at the neighbouring door", () => {
  it("bursts of reads at door 2, a few dB weaker than at door 1, on both its antennas: received at door 1 only", () => {
    const rnd = seededRandom(13);
    const epcs = tags(1200, 30);
    const reads = pass(rnd, epcs, 10_000);
    for (const epc of epcs.slice(0, 15)) {
      const n = 2 + Math.floor(rnd() * 5);
      for (let i = 0; i < n; i++) {
        reads.push({
          ms: 10_000 + Math.floor(rnd() * 2000),
          deviceId: "portal-d2",
          epc,
          antenna: rnd() < 0.5 ? 1 : 2,
          rssi: Math.round(-50 - 3 - rnd() * 5),
        });
      }
    }
    const moved = movements(play(reads));
    expect(moved).toHaveLength(30);
    expect(moved.every((m) => m.to === "DEMO/DOCK/D1")).toBe(true);
  });
});
