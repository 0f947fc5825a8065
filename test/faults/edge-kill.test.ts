import { seededRandom } from "@tally/simulators";
import { describe, expect, it } from "vitest";
import { rigs } from "./support/fault-rig.js";

const SEED = 7001;
const BURST = 100_000;

describe("fault: the edge stopped in the middle of a burst", () => {
  const rig = rigs();

  it(`kill -9 with the cloud down: exactly ${BURST.toLocaleString("en")} movements in the ledger after restarting both`, async () => {
    const random = seededRandom(SEED);
    const r = await rig({ name: "edge-kill" });
    await r.edge.start();
    const load = await r.load({ count: BURST, seed: SEED, tag: "K9", window: 1000 });
    // Somewhere in the middle of the burst (seeded), with the outbox filling and nothing uplinked.
    await load.ackedAtLeast(random.int(BURST * 0.3, BURST * 0.6));
    await r.edge.kill9();
    const ackedBeforeKill = load.acked.size;
    r.note(`edge killed at ${ackedBeforeKill} acknowledged scans`);
    await r.edge.start();
    await load.done;
    r.note("burst acknowledged; cloud starting");
    await r.cloud.start();
    const report = await r.settle([load], 180_000);
    r.note(`settled: ${report.movements} movements, ${report.lost} lost, ${report.duplicated} duplicated`);
    expect(ackedBeforeKill).toBeLessThan(BURST);
    expect(report).toEqual(expect.objectContaining({ sent: BURST, lost: 0, duplicated: 0, unexpected: 0 }));
    expect(report.movements).toBe(BURST);
  }, 300_000);

  it("loses nothing when the edge is stopped cleanly (SIGTERM) under load and started again", async () => {
    const r = await rig({ name: "edge-sigterm" });
    await Promise.all([r.cloud.start(), r.edge.start()]);
    const load = await r.load({ count: 20_000, seed: SEED + 1, tag: "ST", window: 500 });
    await load.ackedAtLeast(5000);
    await r.edge.stop();
    r.note(`edge stopped at ${load.acked.size} acknowledged scans`);
    await r.edge.start();
    const report = await r.settle([load], 120_000);
    r.note(`settled: ${report.movements} movements, ${report.lost} lost, ${report.duplicated} duplicated`);
    expect(report).toEqual(expect.objectContaining({ sent: 20_000, lost: 0, duplicated: 0, unexpected: 0 }));
  });
});
