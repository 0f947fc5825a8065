import { describe, expect, it } from "vitest";
import { pause, rigs } from "./support/fault-rig.js";
import type { ScanLoad } from "./support/scan-load.js";

/**
 * Resolves once the load has had no PUBACK for `quietMs` and `confirm` agrees (the edge holds the
 * device), or is done.
 */
async function heldOrDone(
  load: ScanLoad,
  quietMs: number,
  timeoutMs: number,
  confirm: () => Promise<boolean> = async () => true,
): Promise<"held" | "done"> {
  const deadline = Date.now() + timeoutMs;
  let last = load.acked.size;
  let since = Date.now();
  let finished = false;
  void load.done.then(() => {
    finished = true;
  });
  for (;;) {
    if (finished) return "done";
    if (load.acked.size !== last) {
      last = load.acked.size;
      since = Date.now();
    } else if (Date.now() - since >= quietMs && (await confirm())) {
      return "held";
    }
    if (Date.now() > deadline) throw new Error(`the load was neither held nor done within ${timeoutMs} ms`);
    await pause(100);
  }
}

describe("fault: the edge's outbox fills up while the cloud is away", () => {
  const rig = rigs();
  const SCANS = 5000;

  it("past its bound: movements are kept, devices are held, nothing is lost once the cloud is back", async () => {
    // About 450 bytes a scan's movement: the bound holds some 1,100 of them.
    const r = await rig({ name: "outbox-bound", edgeEnv: { TALLY_OUTBOX_MAX_BYTES: String(512 * 1024) } });
    await r.edge.start();
    const load = await r.load({ count: SCANS, seed: 7008, tag: "OB", window: 100 });
    // Held, not merely slow: no PUBACK for 2 s with the outbox at its bound.
    const atBound = async () => ((await r.edgeMetrics())?.get("tally_edge_outbox_bytes") ?? 0) >= 512 * 1024;
    const state = await heldOrDone(load, 2000, 120_000, atBound);
    const ackedWhileFull = load.acked.size;
    const metrics = await r.edgeMetrics();
    r.note(`${state} at ${ackedWhileFull} acknowledged scans; outbox ${metrics?.get("tally_edge_outbox_bytes")} bytes`);
    await r.cloud.start();
    const report = await r.settle([load], 120_000);
    expect(state).toBe("held");
    expect(ackedWhileFull).toBeLessThan(SCANS);
    expect(metrics?.get("tally_edge_outbox_bytes")).toBeGreaterThanOrEqual(512 * 1024);
    expect(report).toEqual(expect.objectContaining({ sent: SCANS, lost: 0, duplicated: 0, unexpected: 0 }));
    // The supervisor was told: the edge's EDGE_BACKLOG condition became an alert.
    const { alerts } = (await (await fetch(`${r.apiUrl}/v1/alerts`)).json()) as { alerts: { kind: string }[] };
    expect(alerts.map((a) => a.kind)).toContain("EDGE_BACKLOG");
  });

  it("on a full disk: what the edge acknowledged is not lost", async () => {
    // A full disk, played by a cap on the outbox file's pages (TALLY_TEST_OUTBOX_PAGE_LIMIT: SQLite's
    // max_page_count) — the write fails with SQLITE_FULL, the error SQLite gives when the disk is full.
    // 256 pages of 4 KiB hold some 2,000 scans' movements.
    const r = await rig({ name: "disk-full", edgeEnv: { TALLY_TEST_OUTBOX_PAGE_LIMIT: "256" } });
    await r.edge.start();
    const load = await r.load({ count: SCANS, seed: 7009, tag: "DF", window: 100 });
    const state = await heldOrDone(load, 3000, 120_000);
    r.note(`${state} at ${load.acked.size} acknowledged scans`);
    // Space comes back as the cloud commits and the edge deletes what it acknowledged.
    await r.cloud.start();
    const report = await r.settle([load], 120_000);
    r.note(`lost ${report.lost} of ${report.sent}`);
    expect(report).toEqual(expect.objectContaining({ sent: SCANS, lost: 0, duplicated: 0, unexpected: 0 }));
  });
});
