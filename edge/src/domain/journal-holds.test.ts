import type { SiteLayout } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { demoSite, PUTAWAY_SCAN, tagRead, testPortal } from "../testing/demo-site.js";
import { JournalHolds, longestStationaryMs, shelfBinLocations } from "./journal-holds.js";

const read = (deviceId: string, epc: string) => tagRead(epc, deviceId);
const scan = PUTAWAY_SCAN;

describe("JournalHolds", () => {
  it("lets the checkpoint pass messages that are done at once (scans)", () => {
    const holds = new JournalHolds({ settleMs: 1000, stationaryMs: 60_000 });
    holds.observe(1, scan, 0);
    holds.observe(2, scan, 10);
    expect(holds.watermark(20)).toBe(2);
  });

  it("holds a PICK or PUTAWAY scan at a shelf bin while fusion may wait for the bin's change", () => {
    const holds = new JournalHolds({ settleMs: 1000, stationaryMs: 60_000, shelfBins: shelfBinLocations(demoSite()) });
    holds.observe(1, scan, 0);
    holds.observe(2, { ...scan, action: "RECEIPT", location: "DEMO/DOCK/D1" }, 0);
    expect(holds.watermark(500)).toBe(0);
    expect(holds.watermark(1001)).toBe(2);
    // A PICK scan somewhere no shelf weighs is done at once.
    holds.observe(3, { ...scan, action: "PICK", location: "DEMO/DOCK/D1" }, 1100);
    expect(holds.watermark(1100)).toBe(3);
  });

  it("holds the checkpoint before the first read of a pass until it has settled", () => {
    const holds = new JournalHolds({ settleMs: 1000, stationaryMs: 60_000 });
    holds.observe(1, scan, 0);
    holds.observe(2, read("DOCK-1", "AA"), 0);
    holds.observe(3, scan, 100);
    holds.observe(4, read("DOCK-1", "AA"), 500);
    expect(holds.watermark(600)).toBe(1);
    // 1000 ms after its last read the pass has been emitted.
    expect(holds.watermark(1400)).toBe(1);
    expect(holds.watermark(1501)).toBe(4);
    expect(holds.size()).toBe(0);
  });

  it("takes the oldest of several open runs, per portal and tag", () => {
    const holds = new JournalHolds({ settleMs: 1000, stationaryMs: 60_000 });
    holds.observe(5, read("DOCK-1", "AA"), 0);
    holds.observe(6, read("DOCK-2", "AA"), 0);
    holds.observe(7, read("DOCK-1", "BB"), 900);
    expect(holds.watermark(950)).toBe(4);
    expect(holds.watermark(1500)).toBe(6);
  });

  it("stops holding for a parked tag once it has been read longer than the stationary limit", () => {
    const holds = new JournalHolds({ settleMs: 1000, stationaryMs: 5000 });
    for (let t = 0, seq = 1; t <= 7000; t += 500, seq++) holds.observe(seq, read("DOCK-1", "PARKED"), t);
    holds.observe(100, scan, 7000);
    expect(holds.watermark(7000)).toBe(100);
  });

  it("starts a new run when a tag comes back after it settled", () => {
    const holds = new JournalHolds({ settleMs: 1000, stationaryMs: 60_000 });
    holds.observe(1, read("DOCK-1", "AA"), 0);
    holds.observe(2, read("DOCK-1", "AA"), 5000);
    expect(holds.watermark(5100)).toBe(1);
  });
  it("takes a message's reads at once, with the same watermarks as one read at a time", () => {
    const bins = shelfBinLocations(demoSite());
    const one = new JournalHolds({ settleMs: 1000, stationaryMs: 5000, shelfBins: bins });
    const all = new JournalHolds({ settleMs: 1000, stationaryMs: 5000, shelfBins: bins });
    const messages = [
      [read("DOCK-1", "AA"), read("DOCK-1", "BB"), read("DOCK-1", "AA")],
      [scan],
      [{ ...scan, action: "RECEIPT" as const, location: "DEMO/DOCK/D1" }],
      [read("DOCK-2", "AA")],
      [read("DOCK-1", "CC"), read("DOCK-1", "BB")],
    ];
    const watermarks: [number, number][] = [];
    for (let t = 0, seq = 1; t <= 9000; t += 300, seq++) {
      const message = messages[seq % messages.length] ?? [];
      for (const observation of message) one.observe(seq, observation, t);
      all.observeAll(seq, message, t);
      watermarks.push([one.watermark(t), all.watermark(t)]);
      expect(all.size()).toBe(one.size());
    }
    for (const [expected, actual] of watermarks) expect(actual).toBe(expected);
    // Some runs were held: the watermark lagged the last seq at times.
    expect(watermarks.some(([w], i) => w < i + 1)).toBe(true);
    expect(all.watermark(20_000)).toBe(31);
    expect(all.size()).toBe(0);
  });
});

describe("longestStationaryMs", () => {
  const portal = (id: string, stationaryMs?: number) =>
    testPortal(id, "DEMO/DOCK/D1", stationaryMs === undefined ? {} : { presence: { timeoutMs: 15_000, stationaryMs } });
  const site = (devices: SiteLayout["devices"]): SiteLayout => ({ ...demoSite(), devices });

  it("keeps context for the slowest portal, its own setting or the edge's", () => {
    expect(longestStationaryMs(site([portal("a", 20_000), portal("b", 180_000)]), 60_000)).toBe(180_000);
    expect(longestStationaryMs(site([portal("a", 20_000), portal("b")]), 60_000)).toBe(60_000);
    expect(longestStationaryMs(site([portal("a", 20_000)]), 60_000)).toBe(20_000);
    expect(longestStationaryMs(site([]), 60_000)).toBe(60_000);
  });
});
