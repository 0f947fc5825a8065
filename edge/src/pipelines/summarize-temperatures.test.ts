import { EdgeEvent, type Telemetry } from "@tally/protocols";
import { asyncScheduler, from, lastValueFrom, toArray } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import type { TemperatureObservation } from "../domain/observation.js";
import { sequentialIds, coldRoomReading as t } from "../testing/demo-site.js";
import { summarizeTemperatures } from "./summarize-temperatures.js";

const deps = { siteId: "DEMO", newId: sequentialIds() };
const minute = (m: number) => new Date(Date.UTC(2026, 10, 22, 8, m)).toISOString();

async function summaries(readings: TemperatureObservation[], periodMs = 60_000, onLate?: (id: string) => void) {
  const out = await lastValueFrom(
    from(readings).pipe(summarizeTemperatures(deps, periodMs, asyncScheduler, onLate), toArray()),
  );
  return out as Telemetry[];
}

describe("summarizeTemperatures", () => {
  it("sends one summary per sensor per minute, aligned to the minute, when a later minute's reading arrives", async () => {
    // 08:00:20, :40, :59 → minute 0; 08:01:10 → minute 1 (sent at the end of the input).
    const out = await summaries([t(4, 20), t(5, 40), t(6, 59), t(3, 70)]);
    expect(out).toEqual([
      expect.objectContaining({
        kind: "telemetry",
        metric: "temperature",
        occurredAt: minute(0),
        value: 5,
        unit: "°C",
        deviceId: "temp-c1",
        location: "DEMO/COLD/C1",
        summary: { periodS: 60, min: 4, max: 6, count: 3 },
      }),
      expect.objectContaining({ occurredAt: minute(1), value: 3, summary: { periodS: 60, min: 3, max: 3, count: 1 } }),
    ]);
    for (const s of out) expect(s.excursionWindow).toBeUndefined();
    for (const s of out) expect(EdgeEvent.safeParse(s).success).toBe(true);
  });

  it("aligns other periods to multiples of themselves and skips empty ones", async () => {
    const out = await summaries([t(4, 7), t(4, 14), t(6, 301)], 10_000);
    expect(out.map((s) => [s.occurredAt, s.summary?.count])).toEqual([
      ["2026-11-22T08:00:00.000Z", 1],
      ["2026-11-22T08:00:10.000Z", 1],
      ["2026-11-22T08:05:00.000Z", 1],
    ]);
    expect(out[0]?.summary?.periodS).toBe(10);
  });

  it("keeps a closed minute closed: a reading of an earlier minute is counted late and left out", async () => {
    const late: string[] = [];
    // In-minute disorder is fine (08:00:40 before 08:00:20); 08:00:50 after minute 1 has begun is late.
    const out = await summaries([t(5, 40), t(4, 20), t(6, 70), t(99, 50), t(7, 80)], 60_000, (id) => late.push(id));
    expect(out.map((s) => [s.occurredAt, s.value, s.summary?.count])).toEqual([
      [minute(0), 4.5, 2],
      [minute(1), 6.5, 2],
    ]);
    expect(late).toEqual(["temp-c1"]);
  });

  it("keeps the mean inside [min, max] however sums and rounding stray (the protocol refuses it outside)", async () => {
    const [s] = await summaries([t(4.12345, 1), t(4.12345, 2), t(4.12345, 3)]);
    expect(s?.value).toBe(4.12345);
    expect(s !== undefined && EdgeEvent.safeParse(s).success).toBe(true);
  });

  it("summarises each sensor on its own at the sensor's extremes", async () => {
    const other = (celsius: number, second: number): TemperatureObservation => ({
      ...t(celsius, second),
      deviceId: "temp-f1",
      location: "DEMO/FROZEN/F1",
    });
    const out = await summaries([t(150, 1), other(-100, 2), t(-100, 3), other(-100, 4)]);
    expect(out).toEqual([
      expect.objectContaining({
        deviceId: "temp-c1",
        value: 25,
        summary: { periodS: 60, min: -100, max: 150, count: 2 },
      }),
      expect.objectContaining({
        deviceId: "temp-f1",
        value: -100,
        summary: { periodS: 60, min: -100, max: -100, count: 2 },
      }),
    ]);
  });

  it("sends the open minute after a whole period of silence (scheduler time), and counts later readings of it late", () => {
    const late: string[] = [];
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      // Two readings of minute 0, 1 s apart by the scheduler, then silence; a straggler of minute 0 after the send.
      const input = cold("a 999ms b 179s c", { a: t(4, 10), b: t(6, 20), c: t(9, 30) });
      // The first sweep (60 s after a) finds b only 59 s old and waits; the next (120 s) sends.
      expectObservable(input.pipe(summarizeTemperatures(deps, 60_000, asyncScheduler, (id) => late.push(id)))).toBe(
        "120s x",
        {
          x: expect.objectContaining({
            value: 5,
            occurredAt: minute(0),
            summary: expect.objectContaining({ count: 2 }),
          }),
        },
      );
    });
    // The straggler of minute 0 (at 180 s) came after its summary was sent.
    expect(late).toEqual(["temp-c1"]);
  });
});
