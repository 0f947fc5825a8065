import { describe, expect, it } from "vitest";
import { parseCases, parseSizes, quantile, runE2e } from "./e2e-bench.js";

describe("the e2e benchmark", () => {
  it("commits every movement of every case through separate cloud and edge processes, and reports each case's figures", async () => {
    const results = await runE2e({
      postgres: false,
      // Whole pallets of 250 reads for RFID: 25 passes each in the single-read cases, 50 in the batched one.
      messages: { scan: 300, "rfid-generic": 250, "rfid-impinj": 250, "rfid-batch50": 10 },
      // One warm-up step, so the path that runs them is exercised; the others' would only add time.
      warmup: { scan: 50, "rfid-generic": 0, "rfid-impinj": 0, "rfid-batch50": 0 },
      latency: { ratePerS: 500, messages: 200 },
      sizes: [100],
      window: 20,
    });
    expect(results.map((r) => r.name)).toEqual([
      "e2e-scan",
      "e2e-rfid-generic",
      "e2e-rfid-impinj",
      "e2e-rfid-batch50",
      "e2e-scan-latency",
      "e2e-scan-scale-100",
    ]);
    const movements = results.map((r) => r.details?.movements);
    // The runner waits until the ledger holds these; the latency case counts the ledger's own rows.
    expect(movements).toEqual([300, 25, 25, 50, 200, 100]);
    for (const r of results.slice(0, 4)) {
      expect(r.value).toBeGreaterThan(0);
      expect(r.baseline).toBeGreaterThan(0);
      expect(r.ratio).toBeGreaterThan(0);
      const details = r.details as Record<string, Record<string, unknown>>;
      expect(Object.keys(details.cpuUsPerMessage ?? {}).sort()).toEqual(["cloud", "edge", "publisher"]);
      expect(Object.keys(details.peakRssMb ?? {}).sort()).toEqual(["cloud", "edge", "publisher"]);
      expect(Object.keys(details.medianRssMb ?? {}).sort()).toEqual(["cloud", "edge", "publisher"]);
      for (const mb of Object.values(details.medianRssMb ?? {})) expect(mb).toBeGreaterThan(10);
      expect(Object.keys(details.baselineAedes?.cpuUsPerMessage ?? {}).sort()).toEqual([
        "broker",
        "publisher",
        "subscriber",
      ]);
      expect(details.baselineMosquitto?.messagesPerSecond).toBeGreaterThan(0);
    }
    const latency = results[4]?.details ?? {};
    expect(latency.p50Ms).toBeGreaterThanOrEqual(0);
    expect(latency.p99Ms).toBeGreaterThanOrEqual(Number(latency.p50Ms));
  }, 180_000);
});

describe("its helpers", () => {
  it("takes the nearest-rank quantile", () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(xs, 0.5)).toBe(5);
    expect(quantile(xs, 0.99)).toBe(10);
    expect(quantile([7], 0.5)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("parses --sizes and refuses what is not a list of positive whole numbers", () => {
    expect(parseSizes("10000,100000,1000000")).toEqual([10_000, 100_000, 1_000_000]);
    for (const bad of ["", "10,", "-5", "1.5", "abc", "1e99", "10;20"]) expect(typeof parseSizes(bad)).toBe("string");
  });

  it("parses --cases and refuses names it does not know", () => {
    expect(parseCases("scans,latency")).toEqual(["scans", "latency"]);
    for (const bad of ["", "scan", "scans,", "scans;latency"]) expect(typeof parseCases(bad)).toBe("string");
  });
});
