import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { pause, rigs } from "./support/fault-rig.js";

/** Preload that moves the edge process's wall clock (Date) by TALLY_TEST_CLOCK_OFFSET_MS; see the file. */
const SKEWED_CLOCK = fileURLToPath(new URL("./support/skewed-clock.ts", import.meta.url));
const TEN_MINUTES = 10 * 60 * 1000;

describe("fault: the edge's clock ±10 minutes off", () => {
  const rig = rigs();

  it("records every scan once, at the device's time, with the edge 10 min ahead, then 10 min behind", async () => {
    const r = await rig({ name: "clock-skew", edgeNodeArgs: ["--import", "tsx", "--import", SKEWED_CLOCK] });
    // The cloud is away at first, so the events stamped by the fast clock are still in the outbox
    // when the clock goes 20 minutes back: ids (UUIDv7, from the edge's clock) then run backwards.
    await r.edge.start({ TALLY_TEST_CLOCK_OFFSET_MS: String(TEN_MINUTES) });
    const ahead = await r.load({ count: 2000, seed: 7010, tag: "CA", ratePerS: 1000 });
    await ahead.done;
    let metrics = await r.edgeMetrics();
    for (let deadline = Date.now() + 30_000; (metrics?.get("tally_edge_outbox_depth") ?? 0) < 2000; ) {
      if (Date.now() > deadline) throw new Error("the scans did not reach the outbox");
      await pause(100);
      metrics = await r.edgeMetrics();
    }
    // The edge's clock really is ahead: by it, the devices' fresh scans are already 10 minutes old.
    expect(metrics?.get("tally_edge_outbox_oldest_age_seconds")).toBeGreaterThan(590);
    // A clean restart with nothing in flight: this scenario is about the clock, not about crashes.
    await r.edge.stop();
    await r.edge.start({ TALLY_TEST_CLOCK_OFFSET_MS: String(-TEN_MINUTES) });
    const behind = await r.load({ count: 2000, seed: 7011, tag: "CB", ratePerS: 1000 });
    await r.cloud.start();
    // Movements carry the devices' (correct) time, not the edge's: the checker compares occurredAt too.
    const report = await r.settle([ahead, behind], 120_000);
    r.note(`${report.sent} scans`);
    expect(report).toEqual(expect.objectContaining({ sent: 4000, lost: 0, duplicated: 0, unexpected: 0 }));
  });
});
