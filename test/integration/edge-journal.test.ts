import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import type { RunningCloud } from "@tally/cloud";
import { type EdgeOptions, type RunningEdge, SqliteJournal, startEdge } from "@tally/edge";
import { deviceTopic, encodeSgtin96, type Movement } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { linkEdge } from "../support/link-edge.js";
import { testLogger } from "../support/quiet-logger.js";
import { cloudInTempDir } from "../support/temp-cloud.js";

const logger = testLogger();
const EDGE = "edge-journal";
const tag = (serial: number) => {
  const hex = encodeSgtin96({ gtin: "00614141000012", companyPrefixDigits: 7, serial });
  if (!hex.ok) throw new Error(hex.error.message);
  return hex.value;
};
const pass = (epc: string, t0: number) =>
  JSON.stringify({
    reads: [
      { epc, antenna: 1, rssi: -55, readAt: new Date(t0).toISOString() },
      { epc, antenna: 1, rssi: -52, readAt: new Date(t0 + 40).toISOString() },
      { epc, antenna: 2, rssi: -50, readAt: new Date(t0 + 150).toISOString() },
      { epc, antenna: 2, rssi: -54, readAt: new Date(t0 + 190).toISOString() },
    ],
  });
const scan = (lot: string, t: number) =>
  JSON.stringify({ gtin: "00614141000029", action: "RECEIPT", lot, scannedAt: new Date(t).toISOString() });

describe("the edge's device journal", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  const start = async (
    dataDir: string,
    cloud: RunningCloud,
    hooks: Pick<EdgeOptions, "onJournalWriter"> = {},
  ): Promise<RunningEdge> => {
    const site = await demoSiteOnPort(await freePort());
    const edge = await startEdge({
      site,
      edgeId: EDGE,
      // Anonymous simulated devices on the loopback.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { httpUrl: cloud.url, token: await linkEdge(cloud, site, EDGE), flushMs: 10, ackTimeoutMs: 500 },
      logger,
      dataDir,
      pipeline: { passes: { silenceMs: 200, stationaryMs: 60_000, maxOpenPasses: 1000, minDirectionGapMs: 100 } },
      ...hooks,
    });
    return edge;
  };
  const movements = async (cloud: RunningCloud): Promise<Movement[]> => cloud.store.movements({ limit: 1000 });
  /** A fresh data folder, and a cloud on SQLite in it; both gone after the test. */
  const journalCloud = (): Promise<{ dataDir: string; cloud: RunningCloud }> =>
    cloudInTempDir(stops, "tally-journal-", logger);

  it("replays what was journalled but never processed, and a second replay adds nothing", async () => {
    const { dataDir, cloud } = await journalCloud();

    // As if the edge died right after acknowledging these: on disk, never decoded.
    const t0 = Date.now() - 5000;
    const crashed = new SqliteJournal(join(dataDir, "edge", EDGE, "journal.db"));
    for (let s = 1; s <= 3; s++)
      await crashed.append(deviceTopic("DEMO", "portal-d1", "read"), Buffer.from(pass(tag(s), t0 + s * 10)), t0);
    for (const lot of ["L1", "L2"])
      await crashed.append(deviceTopic("DEMO", "scanner-1", "scan"), Buffer.from(scan(lot, t0)), t0);
    crashed.close();

    const first = await start(dataDir, cloud);
    expect(first.metrics().journalReplayed).toBe(5);
    await first.drained();
    const after = await movements(cloud);
    expect(after.filter((m) => m.sku === "WIDGET" && m.movementType === "RECEIPT")).toHaveLength(3);
    expect(
      after
        .filter((m) => m.sku === "GADGET")
        .map((m) => m.lot)
        .sort(),
    ).toEqual(["L1", "L2"]);
    await first.close();

    // Started again on the same journal: the kept context is replayed, and makes the same event ids.
    const second = await start(dataDir, cloud);
    stops.push(() => second.close());
    expect(second.metrics().journalReplayed).toBeGreaterThan(0);
    await second.drained();
    expect(second.metrics().uplink.eventsDuplicate).toBeGreaterThan(0);
    expect((await movements(cloud)).map((m) => m.id).sort()).toEqual(after.map((m) => m.id).sort());
  });

  it("acknowledges a device's publish only once the message is in the journal on disk", async () => {
    const { dataDir, cloud } = await journalCloud();
    const edge = await start(dataDir, cloud);
    stops.push(() => edge.close());
    const scanner = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "journal-scanner" });
    stops.push(() => scanner.endAsync());

    const reader = new SqliteJournal(join(dataDir, "edge", EDGE, "journal.db"));
    stops.push(async () => reader.close());
    for (let i = 0; i < 20; i++) {
      const body = scan(`LOT${i}`, Date.now());
      await scanner.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), body, { qos: 1 });
      // The PUBACK is in: another connection to the file must already see the message.
      const kept = [...reader.unprocessed()].map((e) => e.payload.toString());
      expect(kept).toContain(body);
    }
    await edge.drained();
    await eventually(
      () => movements(cloud),
      (m) => m.filter((x) => x.sku === "GADGET").length === 20,
      { what: "20 scans in the ledger" },
    );
  });

  it("stops, says why and takes no more devices when its journal's writer thread dies", async () => {
    const { dataDir, cloud } = await journalCloud();
    let writer: Worker | undefined;
    const edge = await start(dataDir, cloud, { onJournalWriter: (w) => (writer = w) });
    stops.push(() => edge.close());
    const scanner = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "journal-scanner", reconnectPeriod: 0 });
    stops.push(() => scanner.endAsync(true));
    await scanner.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), scan("BEFORE", Date.now()), { qos: 1 });

    await writer?.terminate();
    expect((await edge.failed).message).toMatch(/device journal write failed: .*writer thread exited/);
    // Closed on its own: a supervisor restarting it is what brings devices back, not a broker that never answers.
    await expect(
      mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "late-scanner", reconnectPeriod: 0, connectTimeout: 5000 }),
    ).rejects.toThrow();
  });

  it("refuses to start when its journal's writer thread cannot start", async () => {
    const { dataDir, cloud } = await journalCloud();
    await expect(start(dataDir, cloud, { onJournalWriter: (w) => void w.terminate() })).rejects.toThrow(
      /device journal write failed: .*writer thread exited/,
    );
  });
});
