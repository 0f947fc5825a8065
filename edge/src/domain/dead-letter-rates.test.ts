import { Telemetry } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { DeadLetterRates, deadLetterRateKey } from "./dead-letter-rates.js";

const MINUTE = 60_000;
/** 2026-12-03T14:00:00.000Z: a whole minute. */
const T0 = Date.parse("2026-12-03T14:00:00.000Z");
const at = (ms: number) => new Date(ms).toISOString();

function rates(config: { maxDevices?: number; intervalMs?: number } = {}) {
  let n = 0;
  return new DeadLetterRates(
    { siteId: "DEMO", newId: () => `00000000-0000-7000-8000-${String(++n).padStart(12, "0")}` },
    config,
  );
}

/** deviceId → value, for one window's events. */
const values = (events: Telemetry[]) => Object.fromEntries(events.map((e) => [e.deviceId, e.value]));

describe("DeadLetterRates", () => {
  it("counts per device and reports each device with dead letters at the end of the whole minute", () => {
    const r = rates();
    r.count("scanner-1", T0 + 5_000);
    r.count("scanner-1", T0 + 6_000);
    r.count("temp-1", T0 + 59_999);
    r.count(undefined, T0 + 30_000);
    expect(r.nextDueMs()).toBe(T0 + MINUTE);
    expect(r.collect(T0 + MINUTE - 1)).toEqual([]);

    const events = r.collect(T0 + MINUTE);
    expect(values(events)).toEqual({ "scanner-1": 2, "temp-1": 1, _unknown: 1 });
    for (const event of events) {
      // Each one a valid protocol event, dated at the minute's end, with its own id.
      expect(Telemetry.parse(event)).toEqual(event);
      expect(event).toMatchObject({
        kind: "telemetry",
        siteId: "DEMO",
        metric: "dead-letters",
        unit: "msg/min",
        occurredAt: at(T0 + MINUTE),
      });
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    // Collected once.
    expect(r.collect(T0 + MINUTE + 1)).toEqual([]);
  });

  it("reports a zero the minute after a device's last non-zero minute, then nothing", () => {
    const r = rates();
    r.count("scanner-1", T0 + 1_000);
    r.count("temp-1", T0 + 2_000);
    expect(values(r.collect(T0 + MINUTE))).toEqual({ "scanner-1": 1, "temp-1": 1 });

    // Only scanner-1 goes on failing in the second minute: temp-1 gets its zero.
    r.count("scanner-1", T0 + MINUTE + 10);
    const second = r.collect(T0 + 2 * MINUTE);
    expect(values(second)).toEqual({ "scanner-1": 1, "temp-1": 0 });
    expect(second.every((e) => e.occurredAt === at(T0 + 2 * MINUTE))).toBe(true);

    // Third minute quiet: scanner-1's zero, dated at that minute's end.
    expect(r.nextDueMs()).toBe(T0 + 3 * MINUTE);
    const third = r.collect(T0 + 3 * MINUTE);
    expect(third).toEqual([
      expect.objectContaining({ deviceId: "scanner-1", value: 0, occurredAt: at(T0 + 3 * MINUTE) }),
    ]);

    // Nothing owed: no timer needs to run, and later quiet minutes report nothing.
    expect(r.nextDueMs()).toBeUndefined();
    expect(r.collect(T0 + 10 * MINUTE)).toEqual([]);
  });

  it("after a long pause (a late timer, a suspended process) reports the minute, its zero, and counts anew", () => {
    const r = rates();
    r.count("scanner-1", T0 + 1_000);
    // The next dead letter arrives an hour later, before anything was collected.
    r.count("scanner-1", T0 + 60 * MINUTE + 5);
    expect(r.nextDueMs()).toBe(0);
    const events = r.collect(T0 + 60 * MINUTE + 10);
    expect(events.map((e) => [e.occurredAt, e.value])).toEqual([
      [at(T0 + MINUTE), 1],
      [at(T0 + 2 * MINUTE), 0],
    ]);
    expect(r.nextDueMs()).toBe(T0 + 61 * MINUTE);
    expect(values(r.collect(T0 + 61 * MINUTE))).toEqual({ "scanner-1": 1 });
  });

  it("counts at most maxDevices ids on their own per minute; the rest share _other, which gets its zero too", () => {
    const r = rates({ maxDevices: 2 });
    r.count("a", T0);
    r.count("b", T0);
    r.count("c", T0);
    r.count("d", T0);
    r.count("a", T0);
    // Unknown devices have their own key, not taken from the bound.
    r.count(undefined, T0);
    expect(values(r.collect(T0 + MINUTE))).toEqual({ a: 2, b: 1, _other: 2, _unknown: 1 });

    // The next minute the bound starts over: c comes first now.
    r.count("c", T0 + MINUTE);
    expect(values(r.collect(T0 + 2 * MINUTE))).toEqual({ c: 1, a: 0, b: 0, _other: 0, _unknown: 0 });
  });

  it("stays within the bound under a flood of distinct ids", () => {
    const r = rates({ maxDevices: 1000 });
    for (let i = 0; i < 50_000; i++) r.count(`rogue-${i}`, T0 + (i % 60_000));
    const events = r.collect(T0 + MINUTE);
    expect(events).toHaveLength(1001);
    expect(values(events)._other).toBe(49_000);
  });

  it("windows follow intervalMs when a test shortens it", () => {
    const r = rates({ intervalMs: 200 });
    r.count("scanner-1", T0 + 450);
    expect(r.nextDueMs()).toBe(T0 + 600);
    expect(r.collect(T0 + 600)).toEqual([expect.objectContaining({ value: 1, occurredAt: at(T0 + 600) })]);
  });

  it("refuses a window or a bound that makes no sense", () => {
    expect(() => rates({ intervalMs: 0 })).toThrow(RangeError);
    expect(() => rates({ maxDevices: -1 })).toThrow(RangeError);
  });
});

describe("deadLetterRateKey: hostile device ids still fit the protocol's deviceId", () => {
  const fits = (id: string) => Telemetry.shape.deviceId.safeParse(id).success && /^[A-Za-z0-9_.-]+$/.test(id);

  it("keeps a site-file id as it is", () => {
    expect(deadLetterRateKey("scanner-1")).toBe("scanner-1");
    expect(deadLetterRateKey("Portal_2.b")).toBe("Portal_2.b");
  });

  it("cuts a very long id to 64 characters", () => {
    const key = deadLetterRateKey(`dev${"x".repeat(1_000_000)}`);
    expect(key).toHaveLength(64);
    expect(key.startsWith("devxxx")).toBe(true);
    expect(fits(key)).toBe(true);
  });

  it("replaces control characters, separators and other non-id characters", () => {
    const key = deadLetterRateKey("dev\u0000\n\u001b[31m/#+ é\u202e");
    expect(key).toBe("dev____31m______");
    expect(fits(key)).toBe(true);
    // Cut first, replaced after: never longer than 64 even when every character is replaced.
    expect(deadLetterRateKey(`d${"\u0000".repeat(500)}`)).toHaveLength(64);
  });

  it("counts no id, an empty one, or one that could pass for a reserved key under _unknown", () => {
    expect(deadLetterRateKey(undefined)).toBe("_unknown");
    expect(deadLetterRateKey("")).toBe("_unknown");
    expect(deadLetterRateKey("\u0000\u0001")).toBe("_unknown");
    expect(deadLetterRateKey("_other")).toBe("_unknown");
    expect(deadLetterRateKey("-dash")).toBe("_unknown");
  });

  it("a hostile id reaches the events as its safe key, and every event parses", () => {
    const r = rates();
    r.count(`evil\u0007${"y".repeat(300)}`, T0);
    const [event] = r.collect(T0 + MINUTE);
    expect(event?.deviceId).toBe(`evil_${"y".repeat(59)}`);
    expect(Telemetry.safeParse(event).success).toBe(true);
  });
});
