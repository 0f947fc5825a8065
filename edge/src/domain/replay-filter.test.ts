import { describe, expect, it } from "vitest";
import { PUTAWAY_SCAN, tagRead } from "../testing/demo-site.js";
import { ContinuingRunFilter } from "./replay-filter.js";

const read = (epc: string, deviceId = "DOCK-1") => tagRead(epc, deviceId);

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
    const scan = PUTAWAY_SCAN;
    expect(filter.skip(scan, 0)).toBe(false);
  });
});
