import { seededRandom } from "@tally/simulators";
import { afterAll, describe, expect, it } from "vitest";
import { probeLocalMosquitto } from "../support/mosquitto.js";
import { pause, rigs } from "./support/fault-rig.js";

const SEED = 7004;
const RESTARTS = 10;

// Killing the broker needs one of our own; in CI a missing mosquitto binary fails here.
const broker = await probeLocalMosquitto();
const unavailable = "unavailable" in broker ? broker.unavailable : undefined;

describe.skipIf(unavailable !== undefined)(
  `fault: the edge-to-cloud broker killed and restarted ${RESTARTS} times mid-stream${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    const rig = rigs();
    afterAll(async () => {
      if (!("unavailable" in broker)) await broker.stop();
    });

    it("loses nothing and commits nothing twice", async () => {
      if ("unavailable" in broker) return;
      const random = seededRandom(SEED);
      // Mosquitto without persistence: each kill -9 forgets every session, subscription and queued message.
      const r = await rig({
        name: "broker-restart",
        cloudEnv: { TALLY_CLOUD_MQTT_URL: broker.url },
        edgeEnv: { TALLY_UPLINK_MQTT_URL: broker.url },
      });
      await Promise.all([r.cloud.start(), r.edge.start()]);
      const load = await r.load({ count: 1_000_000, seed: SEED, tag: "BR", ratePerS: 400 });
      const acknowledged = async () => (await r.edgeMetrics())?.get("tally_edge_events_acknowledged_total") ?? 0;
      for (let i = 1; i <= RESTARTS; i++) {
        // Mid-stream: the uplink has been delivering since the last restart.
        const before = await acknowledged();
        for (let deadline = Date.now() + 60_000; (await acknowledged()) <= before; ) {
          if (Date.now() > deadline) throw new Error(`nothing acknowledged after restart ${i - 1}`);
          await pause(100);
        }
        await pause(random.int(300, 1500));
        await broker.kill();
        await pause(random.int(100, 1000));
        await broker.start();
        r.note(`broker restart ${i}`);
      }
      load.finish();
      const report = await r.settle([load], 120_000);
      r.note(`${report.sent} scans`);
      expect(report).toEqual(expect.objectContaining({ sent: load.sent.size, lost: 0, duplicated: 0, unexpected: 0 }));
    });
  },
);
