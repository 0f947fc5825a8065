import { ErrorCode, type ReadingColumns, readingEvent } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { decodeHandoffBody } from "../ledger/handoff-body.js";
import { checkReadings, type ReadingsContext, withinTimeWindow } from "./check-readings.js";
import { DEFAULT_TIME_WINDOW } from "./site-checks.js";

const id = (n: number) => `0190a000-0000-7000-8000-${String(n).padStart(12, "0")}`;
const AT = "2026-11-22T09:59:00.000Z";
const context = (over: Partial<ReadingsContext> = {}): ReadingsContext => ({
  siteId: "S1",
  offset: 2,
  facts: { known: true, locations: new Set(["S1/COLD/C1"]), skus: new Set() },
  nowMs: Date.parse("2026-11-22T10:00:00.000Z"),
  window: DEFAULT_TIME_WINDOW,
  eventIds: new Map(),
  ...over,
});
const columns = (n: number, over: Partial<ReadingColumns> = {}): ReadingColumns => ({
  series: [
    ["S1", "temp-1", "temperature", "Cel", "S1/COLD/C1"],
    ["S1", "temp-2", "temperature", "Cel", null],
  ],
  s: Array.from({ length: n }, (_, i) => i % 2),
  id: Array.from({ length: n }, (_, i) => id(i)),
  at: Array.from({ length: n }, () => AT),
  value: Array.from({ length: n }, (_, i) => 4 + i / 10),
  ...over,
});

describe("checkReadings", () => {
  it("keeps sound readings as a hand-off body that decodes to the readings they stand for", () => {
    const sent = columns(6, { w: [1, 4] });
    const checked = checkReadings(sent, context());
    expect(checked.rejections).toEqual([]);
    expect(checked.taken).toBe(6);
    const body = checked.handoff?.body ?? "[]";
    expect(decodeHandoffBody(body)).toEqual(sent.id.map((_, i) => readingEvent(sent, i, i === 1 || i === 4)));
    expect(checked.handoff?.ids).toEqual(sent.id);
  });

  it("refuses each unsound reading alone, indexed after the batch's events, and keeps the rest in order", () => {
    const sent = columns(8, { w: [0, 7] });
    sent.id[1] = "not-a-uuid";
    sent.at[2] = "2024-01-01T00:00:00.000Z"; // more than a year behind
    sent.value[3] = "hot" as never;
    sent.s[4] = 9;
    sent.series.push(["S1", "temp-3", "temperature", "Cel", "S1/NOPE/X"], ["S2", "temp-4", "temperature", "Cel", null]);
    sent.s[5] = 2;
    sent.s[6] = 3;
    const checked = checkReadings(sent, context());
    expect(checked.rejections.map((r) => [r.index, r.id, r.code])).toEqual([
      [3, "not-a-uuid", ErrorCode.EventSchema],
      [4, id(2), ErrorCode.TimeOutOfRange],
      [5, id(3), ErrorCode.EventSchema],
      [6, id(4), ErrorCode.EventSchema],
      [7, id(5), ErrorCode.LocationUnknown],
      [8, id(6), ErrorCode.SiteMismatch],
    ]);
    expect(checked.taken).toBe(2);
    const kept = decodeHandoffBody(checked.handoff?.body ?? "[]");
    expect(kept.map((t) => [t.id, t.excursionWindow])).toEqual([
      [id(0), true],
      [id(7), true],
    ]);
  });

  it("takes a repeat of a reading once, refuses a changed repeat and a reading that repeats an event's id", () => {
    const sent = columns(4);
    sent.id[2] = id(0); // id 0 again, with another value: a conflict
    sent.id[3] = id(1);
    sent.value[3] = sent.value[1] as number; // and at index 3 the reading of index 1 once more: a repeat
    const eventIds = new Map([[id(1), {}]]);
    const conflict = checkReadings(sent, context({ eventIds: new Map() }));
    expect(conflict.rejections.map((r) => [r.index, r.code])).toEqual([[4, ErrorCode.EventConflict]]);
    expect(conflict.taken).toBe(3);
    expect(conflict.handoff?.ids).toEqual([id(0), id(1)]);
    const withEvent = checkReadings(sent, context({ eventIds }));
    expect(withEvent.rejections.map((r) => [r.index, r.id, r.code])).toEqual([
      [3, id(1), ErrorCode.EventConflict],
      [4, id(0), ErrorCode.EventConflict],
      [5, id(1), ErrorCode.EventConflict],
    ]);
  });

  it("keeps a series' text as Unicode can hold it, and hands off nothing when every reading is refused", () => {
    const sent = columns(2);
    sent.series[0] = ["S1", "temp-\ud800", "temperature", "Cel", null];
    const checked = checkReadings(sent, context());
    expect(decodeHandoffBody(checked.handoff?.body ?? "[]")[0]?.deviceId).toBe("temp-\ufffd");
    const none = checkReadings(columns(2, { id: ["x", "y"] }), context());
    expect(none.handoff).toBeUndefined();
    expect(none.taken).toBe(0);
  });
});

describe("withinTimeWindow", () => {
  it("says what parsing the time would say, for times in toISOString's form and others, at and around the ends", () => {
    const nowMs = Date.parse("2026-11-22T10:00:00.000Z");
    const window = { maxAheadMs: 3_600_000, maxBehindMs: 86_400_000 };
    const inWindow = withinTimeWindow(nowMs, window);
    const [from, to] = [nowMs - window.maxBehindMs, nowMs + window.maxAheadMs];
    const ends = [from, to];
    const times: string[] = [];
    for (const end of ends) {
      for (const delta of [-86_400_000, -1001, -1, 0, 1, 999, 60_000]) {
        const ms = end + delta;
        times.push(new Date(ms).toISOString(), new Date(ms).toISOString().replace("Z", "+00:00"));
        times.push(new Date(ms + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "+01:00"));
      }
    }
    for (const at of times) {
      const ms = Date.parse(at);
      expect([at, inWindow(at)]).toEqual([at, ms >= from && ms <= to]);
    }
  });
});
