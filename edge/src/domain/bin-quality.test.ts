import { Condition } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { BinQuality } from "./bin-quality.js";

const deps = { siteId: "DEMO", newId: () => "0190a4b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b" };
const quality = () => new BinQuality("shelf-1", deps, { badAfterMs: 1000 });

describe("BinQuality", () => {
  it("passes good values and refuses bad or uncertain ones, counted by status", () => {
    const q = quality();
    expect(q.value("DEMO/PICK/A1", "good", 0)).toBe(true);
    expect(q.value("DEMO/PICK/A1", "BadSensorFailure", 0)).toBe(false);
    expect(q.value("DEMO/PICK/A2", "UncertainLastUsableValue", 0)).toBe(false);
    expect(q.value("DEMO/PICK/A2", "BadSensorFailure", 0)).toBe(false);
    expect(q.counts()).toEqual({ BadSensorFailure: 2, UncertainLastUsableValue: 1 });
    expect(q.badBins()).toBe(2);
  });

  it("raises SHELF_UNSTABLE once a bin stays bad past the grace, and clears when it is good again", () => {
    const q = quality();
    q.value("DEMO/PICK/A1", "BadSensorFailure", 0);
    expect(q.check(999)).toBeUndefined();
    const raised = q.check(1000);
    expect(Condition.parse(raised)).toMatchObject({
      conditionType: "SHELF_UNSTABLE",
      state: "raised",
      key: "SHELF_UNSTABLE:shelf-1",
      deviceId: "shelf-1",
      value: 1,
    });
    expect(raised?.detail).toContain("DEMO/PICK/A1 (BadSensorFailure)");
    // Raised once per episode, however long it lasts.
    expect(q.check(5000)).toBeUndefined();
    q.value("DEMO/PICK/A1", "good", 5001);
    expect(q.check(5002)).toMatchObject({ state: "cleared", key: "SHELF_UNSTABLE:shelf-1" });
    expect(q.check(6000)).toBeUndefined();
  });

  it("does not raise for a bin that recovers within the grace", () => {
    const q = quality();
    q.value("DEMO/PICK/A1", "BadSensorFailure", 0);
    q.value("DEMO/PICK/A1", "good", 500);
    expect(q.check(2000)).toBeUndefined();
  });

  it("keeps the episode's start when the status changes while bad", () => {
    const q = quality();
    q.value("DEMO/PICK/A1", "UncertainSensorNotAccurate", 0);
    q.value("DEMO/PICK/A1", "BadSensorFailure", 900);
    expect(q.check(1000)?.detail).toContain("BadSensorFailure");
  });

  it("keeps one bounded condition when thousands of bins go bad at once", () => {
    const q = quality();
    for (let i = 0; i < 5000; i++) q.value(`DEMO/PICK/B${i}`, "BadCommunicationError", 0);
    const raised = q.check(1000);
    expect(() => Condition.parse(raised)).not.toThrow();
    expect(raised).toMatchObject({ value: 5000 });
    expect(raised?.detail).toContain("and 4995 more");
  });
});
