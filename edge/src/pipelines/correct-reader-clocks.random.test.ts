import { from, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { TagReadObservation } from "../domain/observation.js";
import { seededRandom } from "../testing/seeded-random.js";
import { correctReaderClocks, type ReaderClockConfig, type ReaderClockEstimate } from "./correct-reader-clocks.js";

/**
 * The estimate as the operator defines it, computed the slow way: the whole
 * window judged again after every read. The operator only re-judges what a
 * read can change; both must agree on every read and every estimate.
 */
function referenceCorrection(
  reads: readonly TagReadObservation[],
  config: ReaderClockConfig,
): { out: TagReadObservation[]; estimates: ReaderClockEstimate[] } {
  const maxSlots = Math.max(1, Math.ceil(config.windowMs / config.slotMs));
  const minSpanMs = config.windowMs / 6;
  const clocks = new Map<
    string,
    { slots: { index: number; min: number }[]; reported?: number; correcting: boolean; min: number }
  >();
  const out: TagReadObservation[] = [];
  const estimates: ReaderClockEstimate[] = [];
  for (const read of reads) {
    const deviceMs = Date.parse(read.at);
    if (read.receivedAtMs === undefined) {
      out.push(read);
      continue;
    }
    const gap = read.receivedAtMs - deviceMs;
    let clock = clocks.get(read.deviceId);
    if (clock === undefined) {
      clock = { slots: [], correcting: false, min: gap };
      clocks.set(read.deviceId, clock);
    }
    const index = Math.floor(read.receivedAtMs / config.slotMs);
    const last = clock.slots.at(-1);
    if (last !== undefined && index <= last.index) last.min = Math.min(last.min, gap);
    else {
      clock.slots.push({ index, min: gap });
      clock.slots = clock.slots.filter((s) => s.index > index - maxSlots);
    }
    const before = clock.min;
    const first = clock.slots[0] as { index: number };
    const newest = clock.slots.at(-1) as { index: number };
    const middle = (first.index + newest.index) / 2;
    const older = Math.min(...clock.slots.filter((s) => s.index < middle).map((s) => s.min));
    const newer = Math.min(...clock.slots.filter((s) => s.index >= middle).map((s) => s.min));
    clock.min = Math.min(older, newer);
    const spanMs = (newest.index - first.index + 1) * config.slotMs;
    const steady = Number.isFinite(older) && spanMs >= minSpanMs && Math.abs(older - newer) <= config.toleranceMs;
    const offsetMs = -clock.min;
    const correcting = steady && Math.abs(offsetMs) > config.toleranceMs;
    if (
      correcting !== clock.correcting ||
      clock.reported === undefined ||
      (clock.min !== before && Math.abs(offsetMs - clock.reported) >= 100)
    ) {
      clock.correcting = correcting;
      clock.reported = offsetMs;
      estimates.push({ deviceId: read.deviceId, offsetMs, correcting, steady });
    }
    if (!correcting) out.push(read);
    else {
      const atMs = deviceMs + clock.min;
      out.push({ ...read, at: new Date(atMs).toISOString(), atMs });
    }
  }
  return { out, estimates };
}

/**
 * Messages of 1–60 reads from two readers, each message's reads sharing its
 * receive time; reader clocks that are off, stepped now and then, delivery
 * delays that vary (some messages late), and an edge clock that steps back
 * once in a while.
 */
function randomStream(random: () => number, messages: number): TagReadObservation[] {
  const reads: TagReadObservation[] = [];
  const offsets = new Map([
    ["portal-d1", Math.round((random() - 0.5) * 20_000)],
    ["portal-d2", Math.round((random() - 0.5) * 4_000)],
  ]);
  let trueMs = Date.UTC(2026, 10, 22, 8, 0, 0);
  for (let m = 0; m < messages; m++) {
    const deviceId = random() < 0.5 ? "portal-d1" : "portal-d2";
    if (random() < 0.01) offsets.set(deviceId, Math.round((random() - 0.5) * 20_000));
    trueMs += Math.floor(random() * 400);
    const delayMs = random() < 0.05 ? 2000 + Math.floor(random() * 5000) : 10 + Math.floor(random() * 80);
    const stepBack = random() < 0.01 ? 3000 : 0;
    const receivedAtMs = trueMs + delayMs - stepBack;
    const count = 1 + Math.floor(random() * 60);
    for (let i = 0; i < count; i++) {
      const at = new Date(trueMs - delayMs + i * 2 + (offsets.get(deviceId) ?? 0)).toISOString();
      reads.push({
        type: "tag-read",
        id: `${deviceId}/${at}/${i}`,
        deviceId,
        epc: `E${Math.floor(random() * 30)}`,
        antenna: 1 + Math.floor(random() * 2),
        rssi: -40 - Math.floor(random() * 30),
        at,
        ...(random() < 0.5 && { atMs: Date.parse(at) }),
        ...(random() < 0.98 && { receivedAtMs }),
      });
    }
  }
  return reads;
}

describe("correctReaderClocks against a full re-judgement after every read", () => {
  const configs: ReaderClockConfig[] = [
    { toleranceMs: 1000, windowMs: 60_000, slotMs: 1000 },
    { toleranceMs: 300, windowMs: 6000, slotMs: 500 },
  ];
  for (const [c, config] of configs.entries()) {
    it(`corrects and reports the same on random streams (window ${config.windowMs} ms)`, async () => {
      for (let seed = 1; seed <= 10; seed++) {
        const reads = randomStream(seededRandom(seed * 97 + c), 400);
        const estimates: ReaderClockEstimate[] = [];
        const out = await lastValueFrom(
          from(reads).pipe(
            correctReaderClocks(config, (e) => estimates.push(e)),
            toArray(),
          ),
        );
        const expected = referenceCorrection(reads, config);
        expect(out).toEqual(expected.out);
        expect(estimates).toEqual(expected.estimates);
      }
    });
  }

  it("the random streams do exercise corrections and estimate changes", () => {
    const reads = randomStream(seededRandom(97), 400);
    const { out, estimates } = referenceCorrection(reads, configs[0] as ReaderClockConfig);
    expect(estimates.filter((e) => e.correcting).length).toBeGreaterThan(0);
    expect(estimates.filter((e) => !e.correcting).length).toBeGreaterThan(0);
    expect(out.filter((r, i) => r.at !== reads[i]?.at).length).toBeGreaterThan(0);
  });
});
