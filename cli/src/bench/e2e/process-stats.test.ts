import { describe, expect, it } from "vitest";
import { cpuMsFromStat, peakRssFromStatus, readProcessStats, readRss, rssFromStatus } from "./process-stats.js";

describe("process figures from /proc", () => {
  it("reads utime + stime after the command name, whatever the name holds", () => {
    // Fields 14 and 15 are 250 and 50 ticks: 3,000 ms at 100 ticks/s.
    const rest = "S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 0 0";
    expect(cpuMsFromStat(`42 (node) ${rest}`)).toBe(3000);
    expect(cpuMsFromStat(`42 (we ird) (name)) ${rest}`)).toBe(3000);
  });

  it("refuses a line that is not a stat line", () => {
    expect(() => cpuMsFromStat("garbage")).toThrow(/not a \/proc stat line/);
    expect(() => cpuMsFromStat("1 (x) S 1 2")).toThrow(/not a \/proc stat line/);
  });

  it("reads VmHWM in bytes, and refuses a status without it", () => {
    expect(peakRssFromStatus("Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t 1000 kB\n")).toBe(204_800 * 1024);
    expect(() => peakRssFromStatus("Name:\tnode\n")).toThrow(/VmHWM/);
  });

  it("reads VmRSS in bytes, and refuses a status without it", () => {
    expect(rssFromStatus("Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t 1000 kB\n")).toBe(1000 * 1024);
    expect(() => rssFromStatus("Name:\tnode\nVmHWM:\t  204800 kB\n")).toThrow(/VmRSS/);
  });

  it("reads this process's own figures", async () => {
    expect(await readRss(process.pid)).toBeGreaterThan(1024 * 1024);
    const stats = await readProcessStats(process.pid);
    expect(stats.cpuMs).toBeGreaterThan(0);
    expect(stats.peakRssBytes).toBeGreaterThan(1024 * 1024);
  });
});
