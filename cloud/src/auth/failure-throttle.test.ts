import { describe, expect, it } from "vitest";
import { authorize } from "./authorize.js";
import { FailureThrottle } from "./failure-throttle.js";

describe("FailureThrottle", () => {
  it("blocks an address after N failures within the window, for the block time, then lets it try again", () => {
    let now = 0;
    const throttle = new FailureThrottle({ maxFailures: 3, windowMs: 1000, blockMs: 5000, now: () => now });
    expect(throttle.fail("a")).toBe(false);
    expect(throttle.fail("a")).toBe(false);
    expect(throttle.blockedFor("a")).toBe(0);
    expect(throttle.fail("a")).toBe(true);
    expect(throttle.blockedFor("a")).toBe(5000);
    expect(throttle.blockedFor("b")).toBe(0);
    now = 5001;
    expect(throttle.blockedFor("a")).toBe(0);
  });

  it("forgets failures older than the window, and tracks a bounded number of addresses", () => {
    let now = 0;
    const throttle = new FailureThrottle({
      maxFailures: 2,
      windowMs: 1000,
      blockMs: 5000,
      maxAddresses: 2,
      now: () => now,
    });
    throttle.fail("a");
    now = 1500;
    expect(throttle.fail("a")).toBe(false);
    throttle.fail("b");
    throttle.fail("c");
    // "a" was dropped to make room: its one failure is forgotten.
    expect(throttle.fail("a")).toBe(false);
  });
});

describe("authorize", () => {
  const scoped = { id: "t", name: "t", role: "supervisor" as const, sites: ["S1"] };
  it("checks the role, then the site as the route names it", () => {
    expect(authorize(scoped, ["admin"], "none")).toMatchObject({ ok: false, reason: "role" });
    expect(authorize(scoped, ["operator"], "S1")).toEqual({ ok: true });
    expect(authorize(scoped, ["operator"], "S2")).toMatchObject({ ok: false, reason: "site" });
    expect(authorize(scoped, ["viewer"], undefined)).toMatchObject({ ok: false, reason: "site" });
    expect(authorize(scoped, ["viewer"], "all")).toMatchObject({ ok: false, reason: "site" });
    expect(authorize(scoped, ["viewer"], "none")).toEqual({ ok: true });
    expect(authorize({ ...scoped, sites: undefined }, ["viewer"], "all")).toEqual({ ok: true });
  });
});
