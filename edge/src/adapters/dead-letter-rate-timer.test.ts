import type { Telemetry } from "@tally/protocols";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadLetterRates } from "../domain/dead-letter-rates.js";
import { startDeadLetterRateTimer } from "./dead-letter-rate-timer.js";

const T0 = Date.parse("2026-12-03T14:00:00.000Z");
const MINUTE = 60_000;

describe("startDeadLetterRateTimer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 + 10_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const start = () => {
    const received: Telemetry[][] = [];
    let n = 0;
    const rates = new DeadLetterRates({ siteId: "DEMO", newId: () => `id-${++n}` });
    const timer = startDeadLetterRateTimer(rates, (events) => received.push(events));
    return { received, timer };
  };

  it("hands over the minute's counts at its end, the zero a minute later, then runs no timer", () => {
    const { received, timer } = start();
    expect(vi.getTimerCount()).toBe(0);
    timer.count("scanner-1");
    timer.count("scanner-1");
    timer.count(undefined);
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(MINUTE - 10_000 - 1);
    expect(received).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(received).toHaveLength(1);
    expect(received[0]?.map((e) => [e.deviceId, e.value, e.occurredAt])).toEqual([
      ["scanner-1", 2, new Date(T0 + MINUTE).toISOString()],
      ["_unknown", 1, new Date(T0 + MINUTE).toISOString()],
    ]);

    vi.advanceTimersByTime(MINUTE);
    expect(received[1]?.map((e) => [e.deviceId, e.value])).toEqual([
      ["scanner-1", 0],
      ["_unknown", 0],
    ]);
    // Nothing owed any more: no timer left running.
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10 * MINUTE);
    expect(received).toHaveLength(2);
  });

  it("is unref'd, and stop clears it and ignores later counts", () => {
    const { received, timer } = start();
    const spy = vi.spyOn(globalThis, "setTimeout");
    timer.count("scanner-1");
    const handle = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    spy.mockRestore();

    timer.stop();
    expect(vi.getTimerCount()).toBe(0);
    timer.count("scanner-1");
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5 * MINUTE);
    expect(received).toEqual([]);
  });
});
