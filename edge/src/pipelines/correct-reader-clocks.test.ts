import type { SiteLayout } from "@tally/protocols";
import { from, lastValueFrom, map, type OperatorFunction, Subject, toArray } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import type { TagReadObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSiteWithPortals, testPortal } from "../testing/demo-site.js";
import { correctReaderClocks, type ReaderClockEstimate } from "./correct-reader-clocks.js";
import { detectPasses, OpenPasses, type TagPass } from "./detect-passes.js";
import { suppressCrossReads } from "./suppress-cross-reads.js";

/** The true time of the tests' first read: 08:00:00 UTC. */
const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

/** A read made at true time `trueMs`, stamped by a reader `offsetMs` off, received `delayMs` later. */
const read = (
  deviceId: string,
  trueMs: number,
  { offsetMs = 0, delayMs = 30, epc = "E1", antenna = 1, rssi = -50 } = {},
): TagReadObservation => ({
  type: "tag-read",
  id: `${deviceId}/${trueMs}/${epc}/${antenna}`,
  deviceId,
  epc,
  antenna,
  rssi,
  at: new Date(trueMs + offsetMs).toISOString(),
  receivedAtMs: trueMs + delayMs,
});

/** One read every 200 ms of true time for `seconds`, delivered 20–80 ms later (a steady pattern). */
const steady = (deviceId: string, offsetMs: number, seconds: number, startMs = T0) =>
  Array.from({ length: seconds * 5 }, (_, i) =>
    read(deviceId, startMs + i * 200, { offsetMs, delayMs: 20 + ((i * 37) % 61), epc: `E${i % 7}` }),
  );

const correct = async (reads: TagReadObservation[]) => {
  const estimates: ReaderClockEstimate[] = [];
  const out = await lastValueFrom(
    from(reads).pipe(
      correctReaderClocks(undefined, (e) => estimates.push(e)),
      toArray(),
    ),
  );
  return { out, estimates };
};

/** How far each corrected read is from its true time, ms. */
const errors = (out: TagReadObservation[], input: TagReadObservation[]) =>
  out.map((r, i) => Date.parse(r.at) - ((input[i]?.receivedAtMs ?? 0) - (20 + ((i * 37) % 61))));

describe("correctReaderClocks", () => {
  it("learns a reader 4 s ahead and one 3 s behind, and puts their reads on the edge's clock", async () => {
    for (const offsetMs of [4000, -3000]) {
      const input = steady("portal-d1", offsetMs, 20);
      const { out, estimates } = await correct(input);
      const last = estimates.at(-1);
      expect(last?.correcting).toBe(true);
      // The offset plus the shortest delivery delay (20 ms).
      expect(last?.offsetMs).toBe(offsetMs - 20);
      // Once ten seconds of reads agree, every read is within the delay spread of its true time.
      const settled = errors(out, input).slice(55);
      for (const e of settled) expect(Math.abs(e)).toBeLessThanOrEqual(80);
      // Before then the reader's own times are kept (a few seconds of reads say nothing of a clock's rate).
      expect(out[0]?.at).toBe(input[0]?.at);
      // A corrected read's time as a number (what pass detection reads) moves with its text.
      for (const r of out.slice(55)) expect(r.atMs).toBe(Date.parse(r.at));
    }
  });

  it("does not move its estimate for a late burst, and corrects the burst's reads to when they were made", async () => {
    const before = steady("portal-d1", 4000, 20);
    // The reader held 30 reads made over the last 6 s and delivers them all at once, 8 s after the newest.
    const burstEnd = T0 + 26_000;
    const burst = Array.from({ length: 30 }, (_, i) => {
      const trueMs = burstEnd - 6000 + i * 200;
      return { ...read("portal-d1", trueMs, { offsetMs: 4000, epc: "LATE" }), receivedAtMs: burstEnd + 8000 };
    });
    const { out, estimates } = await correct([...before, ...burst]);
    const learnt = estimates.filter((e) => e.correcting).at(-1);
    expect(learnt?.offsetMs).toBe(3980);
    // Nothing reported after the burst: the estimate did not move.
    expect(estimates.at(-1)).toEqual(learnt);
    const late = out.slice(before.length);
    for (const [i, r] of late.entries()) {
      expect(Date.parse(r.at)).toBe(burstEnd - 6000 + i * 200 + 20);
    }
  });

  it("leaves a reader whose clock is right alone, reads untouched", async () => {
    const input = steady("portal-d1", 0, 10);
    const { out, estimates } = await correct(input);
    expect(out).toEqual(input);
    for (const [i, r] of out.entries()) expect(r).toBe(input[i]);
    expect(estimates.every((e) => !e.correcting)).toBe(true);
  });

  it("keeps within-tolerance offsets as the reader said (a device time is finer than a receive time)", async () => {
    const input = steady("portal-d1", 600, 10);
    const { out } = await correct(input);
    expect(out.map((r) => r.at)).toEqual(input.map((r) => r.at));
  });

  it("does not touch device times that run faster than real time (a scenario played at full speed)", async () => {
    // Ten hours of device time delivered over one minute: the gaps keep falling, no clock runs like that.
    const input = Array.from({ length: 600 }, (_, i) => ({
      ...read("portal-d1", T0 - 10 * 3600_000 + i * 60_000, { epc: `E${i}` }),
      receivedAtMs: T0 + i * 100,
    }));
    const { out, estimates } = await correct(input);
    expect(out.map((r) => r.at)).toEqual(input.map((r) => r.at));
    expect(estimates.some((e) => e.correcting)).toBe(false);
  });

  it("passes reads without a receive time through unchanged", async () => {
    const { receivedAtMs: _, ...bare } = read("portal-d1", T0, { offsetMs: 9000 });
    const { out } = await correct([bare, bare]);
    expect(out).toEqual([bare, bare]);
  });
});

describe("cross-read suppression between doors with offset clocks", () => {
  // Two neighbouring inbound doors of one dock; door 2's reader runs 10 s slow.
  const layout: SiteLayout = demoSiteWithPortals(testPortal("portal-d2", "DEMO/DOCK/D2"));
  const site = indexSite(layout);
  const D2_OFFSET_MS = -10_000;
  const passConfig = { silenceMs: 1000, stationaryMs: 60_000, maxOpenPasses: 1000, minDirectionGapMs: 100 };
  const crossConfig = { windowMs: 3000, holdOffMs: 200, rssiMarginDb: 6, maxHoldMs: 5000 };

  /**
   * Door 2 first carries a pallet of its own for 4 s (its clock is learnt from it); then tag E1 goes
   * through door 1 (strong, both antennas) while door 2 reads it faintly at the same moments.
   */
  const reads = (): { frameMs: number; read: TagReadObservation }[] => {
    const out: { frameMs: number; read: TagReadObservation }[] = [];
    for (let i = 0; i < 20; i++) {
      const trueMs = T0 + i * 200;
      out.push({
        frameMs: i * 200 + 30,
        read: read("portal-d2", trueMs, { offsetMs: D2_OFFSET_MS, epc: "OWN2", antenna: i < 10 ? 1 : 2 }),
      });
    }
    const start = T0 + 8000;
    for (let i = 0; i < 10; i++) {
      const trueMs = start + i * 200;
      out.push({
        frameMs: 8000 + i * 200 + 30,
        read: read("portal-d1", trueMs, { antenna: i < 5 ? 1 : 2, rssi: -45 }),
      });
      if (i % 3 === 0) {
        out.push({
          frameMs: 8000 + i * 200 + 30,
          read: read("portal-d2", trueMs, { offsetMs: D2_OFFSET_MS, antenna: i < 5 ? 1 : 2, rssi: -75 }),
        });
      }
    }
    return out.sort((a, b) => a.frameMs - b.frameMs);
  };

  const passesOfE1 = (clocks: OperatorFunction<TagReadObservation, TagReadObservation>): TagPass[] => {
    const passes: TagPass[] = [];
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    scheduler.run(({ flush }) => {
      // Each read delivered at its receive time (virtual ms from the first read), then 20 s of quiet.
      const reads$ = new Subject<TagReadObservation>();
      for (const r of reads()) scheduler.schedule(() => reads$.next(r.read), r.frameMs);
      scheduler.schedule(() => reads$.complete(), 30_000);
      const open = new OpenPasses();
      reads$
        .pipe(
          clocks,
          detectPasses(site, passConfig, scheduler, open),
          suppressCrossReads(site.portalsNeighbour, crossConfig, scheduler, undefined, open),
        )
        .subscribe((p) => passes.push(p));
      flush();
    });
    return passes.filter((p) => p.epc === "E1");
  };

  it("without the correction, nor receive times to compare on, door 2's slow clock hides its stray pass: both move E1", () => {
    const passes = passesOfE1((reads$) => reads$.pipe(map(({ receivedAtMs: _r, ...read }) => read)));
    expect(passes.map((p) => p.portalId).sort()).toEqual(["portal-d1", "portal-d2"]);
  });

  it("with it, the passes compete on the edge's clock and only door 1, the stronger, keeps E1", () => {
    const passes = passesOfE1(correctReaderClocks());
    expect(passes.map((p) => p.portalId)).toEqual(["portal-d1"]);
    // And the pass carries the true time of its last read.
    expect(passes[0]?.lastAt).toBe(new Date(T0 + 8000 + 9 * 200).toISOString());
  });
});
