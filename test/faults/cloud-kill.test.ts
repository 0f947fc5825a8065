import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Rig, rigs } from "./support/fault-rig.js";

/**
 * The cloud dies right after a commit and before that batch's ack leaves
 * (`TALLY_FAILPOINT=exit-after-commit:N`: SIGKILL after the Nth batch that
 * committed new events), at several points N, then comes back on the same
 * ledger. The edge never saw those acks: it resends, and the cloud must
 * answer "already committed" instead of committing twice.
 */
const POINTS_MQTT = [1, 2, 3, 5, 8, 13];
const POINTS_HTTP = [1, 4, 9];
/**
 * The edge's first resend after a cloud restart can reach the broker before the new cloud has
 * subscribed, and then waits one acknowledgement timeout: 1 s instead of 5 s keeps the scenario short.
 */
const EDGE_ENV = { TALLY_UPLINK_ACK_TIMEOUT_MS: "1000" };

/** How many times the failpoint fired, from the cloud's log (it writes one line before killing itself). */
function failpointKills(r: Rig): number {
  const log = readFileSync(join(r.dir, "cloud.log"), "utf8");
  return log.split("\n").filter((line) => line.includes("failpoint: killed after commit")).length;
}

async function killAtEachPoint(r: Rig, points: readonly number[]): Promise<void> {
  for (const [i, n] of points.entries()) {
    // With the edge resending over HTTP, the first commit can land before the cloud prints that it
    // serves, so the failpoint may kill it before `start` resolves: that death is the one we want.
    const started = r.cloud.start({ TALLY_FAILPOINT: `exit-after-commit:${n}` }).catch(() => undefined);
    const exit = await r.cloud.exited(60_000);
    await started;
    expect(exit.signal).toBe("SIGKILL");
    // The SIGKILL was the failpoint's, not a start timeout's.
    expect(failpointKills(r)).toBe(i + 1);
    r.note(`cloud killed after commit ${n}`);
  }
  await r.cloud.start({ TALLY_FAILPOINT: undefined });
}

describe("fault: the cloud killed between its commit and its acknowledgement", () => {
  const rig = rigs();

  it(`over MQTT, at commits ${POINTS_MQTT.join(", ")}: nothing lost, nothing twice`, async () => {
    const r = await rig({ name: "cloud-kill-mqtt" });
    await r.edge.start(EDGE_ENV);
    // A steady stream until the last crash, so each cloud life has batches to commit.
    const load = await r.load({ count: 1_000_000, seed: 7002, tag: "CK", ratePerS: 300 });
    await killAtEachPoint(r, POINTS_MQTT);
    load.finish();
    const report = await r.settle([load], 120_000);
    expect(report).toEqual(expect.objectContaining({ sent: load.sent.size, lost: 0, duplicated: 0, unexpected: 0 }));
    r.note(`${report.sent} scans`);
    // The crashes really fell between commit and ack: the resent batches came back as duplicates.
    const metrics = await r.edgeMetrics();
    expect(metrics?.get("tally_edge_duplicates_absorbed_total")).toBeGreaterThanOrEqual(POINTS_MQTT.length);
  });

  it(`over HTTP, at commits ${POINTS_HTTP.join(", ")}: nothing lost, nothing twice`, async () => {
    const r = await rig({ name: "cloud-kill-http" });
    await r.edge.start({ ...EDGE_ENV, TALLY_UPLINK_TRANSPORT: "http", TALLY_CLOUD_URL: r.apiUrl });
    const load = await r.load({ count: 1_000_000, seed: 7003, tag: "CH", ratePerS: 300 });
    await killAtEachPoint(r, POINTS_HTTP);
    load.finish();
    const report = await r.settle([load], 120_000);
    expect(report).toEqual(expect.objectContaining({ sent: load.sent.size, lost: 0, duplicated: 0, unexpected: 0 }));
    r.note(`${report.sent} scans`);
    const metrics = await r.edgeMetrics();
    expect(metrics?.get("tally_edge_duplicates_absorbed_total")).toBeGreaterThanOrEqual(POINTS_HTTP.length);
  });
});
