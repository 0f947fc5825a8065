import { describe, expect, it } from "vitest";
import type { Observation } from "./observation.js";
import { ContinuingRunFilter } from "./replay-filter.js";

const read = (epc: string, deviceId = "DOCK-1"): Observation => ({
  type: "tag-read",
  id: `${deviceId}/${epc}`,
  deviceId,
  epc,
  antenna: 1,
  rssi: -50,
  at: "2026-11-22T10:00:00.000Z",
});

describe("ContinuingRunFilter", () => {
  it("leaves out a run already going when the replay starts, until its tag falls silent", () => {
    const filter = new ContinuingRunFilter(1000);
    expect(filter.skip(read("AA"), 0)).toBe(true);
    expect(filter.skip(read("AA"), 900)).toBe(true);
    expect(filter.skip(read("AA"), 1800)).toBe(true);
    // Silent for more than 1 s: a new pass, replayed whole.
    expect(filter.skip(read("AA"), 3000)).toBe(false);
    expect(filter.skip(read("AA"), 3100)).toBe(false);
  });

  it("replays tags first seen after the start window, and other portals' runs on their own", () => {
    const filter = new ContinuingRunFilter(1000);
    expect(filter.skip(read("AA"), 0)).toBe(true);
    expect(filter.skip(read("BB"), 1500)).toBe(false);
    expect(filter.skip(read("BB"), 1600)).toBe(false);
    expect(filter.skip(read("AA", "DOCK-2"), 1700)).toBe(false);
  });

  it("never leaves out anything but tag reads", () => {
    const filter = new ContinuingRunFilter(1000);
    const scan: Observation = {
      type: "scan",
      id: "s",
      deviceId: "SCAN-1",
      gtin: "09506000134352",
      qty: 1,
      action: "PUTAWAY",
      location: "A1",
      at: "2026-11-22T10:00:00.000Z",
    };
    expect(filter.skip(scan, 0)).toBe(false);
  });
});
