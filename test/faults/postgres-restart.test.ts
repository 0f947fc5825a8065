import { seededRandom } from "@tally/simulators";
import { afterAll, describe, expect, it } from "vitest";
import { probePostgres } from "../support/postgres.js";
import { parseMetrics, rigs } from "./support/fault-rig.js";

const SEED = 7012;
const RESTARTS = 3;

// Restarting PostgreSQL needs a server the tests started themselves, durable (a crash of the default
// test server, with synchronous_commit off, loses commits it already acknowledged); in CI anything else fails here.
const server = await probePostgres({ durable: true });
const unavailable =
  "unavailable" in server
    ? server.unavailable
    : server.restart === undefined
      ? `a ${server.source} PostgreSQL cannot be restarted by the tests`
      : undefined;
if (unavailable !== undefined && process.env.CI === "true") throw new Error(unavailable);

describe.skipIf(unavailable !== undefined)(
  `fault: PostgreSQL restarted mid-stream${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    const rig = rigs();
    afterAll(async () => {
      if (!("unavailable" in server)) await server.stop();
    });

    it(`loses nothing and commits nothing twice across ${RESTARTS} crashes of the database`, async () => {
      if ("unavailable" in server || server.restart === undefined) return;
      const random = seededRandom(SEED);
      const r = await rig({
        name: "postgres-restart",
        cloudEnv: { TALLY_DATABASE_URL: server.url },
        // A failed commit sends no ack: the edge backs off (doubling from 5 s). A 5 s cap instead of 60 s
        // only shortens the drain after the last restart.
        edgeEnv: { TALLY_UPLINK_MAX_ACK_TIMEOUT_MS: "5000" },
      });
      await Promise.all([r.cloud.start(), r.edge.start()]);
      const load = await r.load({ count: 1_000_000, seed: SEED, tag: "PG", ratePerS: 300 });
      for (let i = 1; i <= RESTARTS; i++) {
        await load.ackedAtLeast(load.acked.size + random.int(300, 900));
        // Immediate shutdown (a crash: connections cut, no checkpoint), down for a while, then up again.
        await server.restart(random.int(500, 2500));
        r.note(`PostgreSQL restart ${i}`);
      }
      await load.ackedAtLeast(load.acked.size + 300);
      load.finish();
      const report = await r.settle([load], 120_000);
      r.note(`${report.sent} scans`);
      expect(report).toEqual(expect.objectContaining({ sent: load.sent.size, lost: 0, duplicated: 0, unexpected: 0 }));
      // The restarts hit commits: the cloud counted failed ones (and sent no ack for them).
      const metrics = parseMetrics(await (await fetch(`${r.apiUrl}/metrics`)).text());
      expect(metrics.get("tally_cloud_commit_failures_total")).toBeGreaterThan(0);
    });
  },
);
