import { type SchedulerLike, VirtualTimeScheduler } from "rxjs";
import { describe, expect, it } from "vitest";
import { DueTimers } from "./due-timers.js";

function setup() {
  const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
  const fired: [key: string, atMs: number][] = [];
  const timers = new DueTimers<string>(scheduler, (key, nowMs) => fired.push([key, nowMs]));
  /** Runs `fn` at virtual time `atMs`. */
  const at = (atMs: number, fn: () => void) => scheduler.schedule(fn, atMs);
  return { scheduler, fired, timers, at };
}

describe("DueTimers", () => {
  it("fires each key once at its deadline, in deadline order", () => {
    const { scheduler, fired, timers, at } = setup();
    at(0, () => {
      timers.set("b", 300);
      timers.set("a", 100);
      timers.set("c", 200);
    });
    scheduler.flush();
    expect(fired).toEqual([
      ["a", 100],
      ["c", 200],
      ["b", 300],
    ]);
    expect(timers.size).toBe(0);
  });

  it("a new deadline replaces the key's earlier one, later or sooner", () => {
    const { scheduler, fired, timers, at } = setup();
    at(0, () => {
      timers.set("later", 100);
      timers.set("sooner", 500);
    });
    at(50, () => {
      timers.set("later", 350);
      timers.set("sooner", 200);
    });
    scheduler.flush();
    expect(fired).toEqual([
      ["sooner", 200],
      ["later", 350],
    ]);
  });

  it("a deadline reset on every reading fires once, after the last reset", () => {
    const { scheduler, fired, timers, at } = setup();
    for (let t = 0; t <= 1000; t += 100) at(t, () => timers.set("bin", t + 300));
    scheduler.flush();
    expect(fired).toEqual([["bin", 1300]]);
  });

  it("undefined removes a deadline", () => {
    const { scheduler, fired, timers, at } = setup();
    at(0, () => {
      timers.set("kept", 100);
      timers.set("removed", 50);
    });
    at(10, () => timers.set("removed", undefined));
    scheduler.flush();
    expect(fired).toEqual([["kept", 100]]);
  });

  it("deadlines due at the same time fire in the order they were set", () => {
    const { scheduler, fired, timers, at } = setup();
    at(0, () => {
      for (const key of ["x", "y", "z"]) timers.set(key, 100);
    });
    scheduler.flush();
    expect(fired.map(([key]) => key)).toEqual(["x", "y", "z"]);
  });

  it("a deadline set while firing runs on a later turn, even one already due", () => {
    const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
    const fired: [string, number][] = [];
    let again = 3;
    const timers = new DueTimers<string>(scheduler, (key, nowMs) => {
      fired.push([key, nowMs]);
      // A key that asks for "now" again a few times: each is a new turn, and the loop ends.
      if (again-- > 0) timers.set(key, nowMs);
    });
    scheduler.schedule(() => timers.set("k", 100), 0);
    scheduler.flush();
    expect(fired).toEqual([
      ["k", 100],
      ["k", 100],
      ["k", 100],
      ["k", 100],
    ]);
  });

  it("fires only the last of many resets of each key, past the heap's rebuilds", () => {
    const { scheduler, fired, timers, at } = setup();
    at(0, () => {
      for (let i = 0; i < 100_000; i++) timers.set(`bin${i % 10}`, 1000 + i);
    });
    scheduler.flush();
    expect(fired.map(([key, atMs]) => `${key}@${atMs}`)).toEqual(
      Array.from({ length: 10 }, (_, k) => `bin${k}@${1000 + 99_990 + k}`),
    );
  });

  it("clear drops every deadline", () => {
    const { scheduler, fired, timers, at } = setup();
    at(0, () => timers.set("a", 100));
    at(50, () => timers.clear());
    scheduler.flush();
    expect(fired).toEqual([]);
  });

  it("moving deadlines later arms no new timer: 1,000 bins reset 10 times each arm a handful, not 10,000", () => {
    const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
    let armed = 0;
    const counting = {
      now: () => scheduler.now(),
      schedule: (work: () => void, delay?: number) => {
        armed++;
        return scheduler.schedule(work, delay);
      },
    } as unknown as SchedulerLike;
    const fired: string[] = [];
    const timers = new DueTimers<string>(counting, (key) => fired.push(key));
    for (let t = 0; t < 1000; t += 100) {
      scheduler.schedule(() => {
        for (let bin = 0; bin < 1000; bin++) timers.set(`bin${bin}`, t + 300);
      }, t);
    }
    scheduler.flush();
    expect(fired).toHaveLength(1000);
    expect(new Set(fired).size).toBe(1000);
    // One arm at the start, then each early (stale) firing re-arms once: about one per reset round.
    expect(armed).toBeLessThanOrEqual(12);
  });
});
