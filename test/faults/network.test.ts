import { startTcpProxy, type TcpProxy } from "@tally/simulators";
import { afterEach, describe, expect, it } from "vitest";
import { pause, type Rig, rigs } from "./support/fault-rig.js";

/**
 * Network faults on the uplink: the edge reaches the cloud's broker through an
 * in-process TCP proxy (simulators' `startTcpProxy`) that stalls bytes without
 * closing anything (blackhole, half-open) or delays them.
 *
 * Time scale of the blackhole: a 10-minute blackhole is played as 20 s, with
 * every timeout that decides what the edge does in it scaled by the same 1/30:
 * MQTT keepalive 60 s → 2 s, first acknowledgement timeout 5 s → 167 ms, backoff
 * cap 60 s → 2 s. The blackhole is 10× the keepalive and the backoff cap, as in
 * real life. (The reconnect period, 1 s, and the connect timeout, 10 s, are not
 * scaled; they only make the edge dial more often.)
 */
const SCALED = {
  TALLY_UPLINK_KEEPALIVE_S: "2",
  TALLY_UPLINK_ACK_TIMEOUT_MS: "167",
  TALLY_UPLINK_MAX_ACK_TIMEOUT_MS: "2000",
};
const BLACKHOLE_MS = 20_000;

describe("fault: the uplink's network", () => {
  const rig = rigs();
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  async function throughProxy(name: string, edgeEnv: Record<string, string> = {}): Promise<Rig> {
    const r = await rig({ name });
    proxy = await startTcpProxy({ host: "127.0.0.1", port: r.cloudMqttPort });
    await Promise.all([
      r.cloud.start(),
      r.edge.start({ TALLY_UPLINK_MQTT_URL: `mqtt://127.0.0.1:${proxy.port}`, ...edgeEnv }),
    ]);
    return r;
  }

  const depth = async (r: Rig) => (await r.edgeMetrics())?.get("tally_edge_outbox_depth") ?? 0;

  it("rides out a (scaled) 10-minute blackhole", async () => {
    const r = await throughProxy("blackhole", SCALED);
    const p = proxy as TcpProxy;
    const load = await r.load({ count: 1_000_000, seed: 7005, tag: "BH", ratePerS: 200 });
    await load.ackedAtLeast(600);
    p.blackhole();
    r.note("blackhole");
    await pause(BLACKHOLE_MS);
    // It really bit: the edge kept taking scans, and they waited.
    const waiting = await depth(r);
    p.restore();
    r.note(`restored with ${waiting} events waiting in the outbox`);
    await load.ackedAtLeast(load.acked.size + 600);
    load.finish();
    const report = await r.settle([load], 120_000);
    r.note(`${report.sent} scans`);
    expect(waiting).toBeGreaterThan(1000);
    expect(report).toEqual(expect.objectContaining({ sent: load.sent.size, lost: 0, duplicated: 0, unexpected: 0 }));
  });

  it("gets over a half-open connection, either way dead", async () => {
    // Scaled timeouts so the edge notices the dead connection (after 1.5 × keepalive = 3 s) within the fault.
    const r = await throughProxy("half-open", SCALED);
    const p = proxy as TcpProxy;
    const load = await r.load({ count: 1_000_000, seed: 7006, tag: "HO", ratePerS: 200 });
    await load.ackedAtLeast(400);
    // Acks (and PUBACKs) die on the way back while batches still reach the cloud and commit.
    p.halfOpen("to-client");
    r.note("half-open: nothing comes back");
    await pause(6000);
    p.restore();
    await load.ackedAtLeast(load.acked.size + 400);
    // Batches die on the way out; the connection looks alive from the edge's socket.
    p.halfOpen("to-target");
    r.note("half-open: nothing gets out");
    await pause(6000);
    p.restore();
    r.note("restored");
    await load.ackedAtLeast(load.acked.size + 400);
    load.finish();
    const report = await r.settle([load], 120_000);
    r.note(`${report.sent} scans`);
    expect(report).toEqual(expect.objectContaining({ sent: load.sent.size, lost: 0, duplicated: 0, unexpected: 0 }));
    // The cloud committed batches whose acks never arrived: the edge resent them and the cloud said "duplicate".
    expect((await r.edgeMetrics())?.get("tally_edge_duplicates_absorbed_total")).toBeGreaterThan(0);
  });

  it("keeps up with 2 s of added latency each way (default timeouts)", async () => {
    const r = await throughProxy("latency");
    const p = proxy as TcpProxy;
    const load = await r.load({ count: 1_000_000, seed: 7007, tag: "LT", ratePerS: 200 });
    await load.ackedAtLeast(400);
    p.latency(2000);
    r.note("latency 2 s each way");
    await pause(8000);
    load.finish();
    // Drain with the latency still on: every ack takes at least 4 s to come back.
    const report = await r.settle([load], 120_000);
    r.note(`${report.sent} scans`);
    expect(report).toEqual(expect.objectContaining({ sent: load.sent.size, lost: 0, duplicated: 0, unexpected: 0 }));
    const metrics = await r.edgeMetrics();
    const latencySum = metrics?.get("tally_edge_ack_latency_seconds_sum") ?? 0;
    const latencyCount = metrics?.get("tally_edge_ack_latency_seconds_count") ?? 1;
    r.note(`mean ack latency ${(latencySum / latencyCount).toFixed(2)} s`);
    p.restore();
  });
});
