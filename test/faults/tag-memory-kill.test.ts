import { join } from "node:path";
import { DEFAULT_PIPELINE_CONFIG, pipelineSettleMs, SqliteJournal } from "@tally/edge";
import { deviceTopic, encodeSgtin96 } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { rigs } from "./support/fault-rig.js";
import { readLedger } from "./support/ledger-check.js";

const WIDGET = "00614141000012";
const epcOf = (serial: number) => {
  const hex = encodeSgtin96({ gtin: WIDGET, companyPrefixDigits: 7, serial });
  if (!hex.ok) throw new Error(hex.error.message);
  return hex.value;
};
const uriOf = (serial: number) => `urn:epc:id:sgtin:0614141.000001.${serial}`;
/** The staged tag: crosses door 1, then stands just inside it, still read. */
const STAGED = 801;
/** A pallet's cases standing in door 1's field all along. */
const PALLET = [811, 812, 813];
const READ_TOPIC = deviceTopic("DEMO", "portal-d1", "read");

describe("fault: the edge killed while tags linger in a door's field", () => {
  const rig = rigs();
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it("kill -9 long after a tag crossed: its movement is not made again, and no tag gets a second one", async () => {
    // The journal keeps twice the longest stationary time of context: 20 s portals let it go of the
    // crossing within a minute instead of the default's two and more.
    const r = await rig({
      name: "tag-memory-kill",
      site: (site) => ({
        ...site,
        devices: site.devices.map((d) =>
          d.kind === "rfid-portal" ? { ...d, presence: { ...d.presence, stationaryMs: 20_000 } } : d,
        ),
      }),
    });
    await Promise.all([r.cloud.start(), r.edge.start()]);
    // The reader keeps its session through the edge's restart: QoS 1 reads published meanwhile are sent on reconnect.
    const reader = await mqtt.connectAsync(r.deviceUrl, {
      clientId: "tag-memory-reader",
      reconnectPeriod: 250,
      clean: false,
    });
    closers.push(() => reader.endAsync(true));
    const publish = (reads: { serial: number; antenna: number; rssi: number; atMs?: number }[]) =>
      reader.publishAsync(
        READ_TOPIC,
        JSON.stringify({
          reads: reads.map((x) => ({
            epc: epcOf(x.serial),
            antenna: x.antenna,
            rssi: x.rssi,
            readAt: new Date(x.atMs ?? Date.now()).toISOString(),
          })),
        }),
        { qos: 1 },
      );
    /** Every 500 ms until stopped: the pallet, and once it has crossed, the staged tag, on the inner antenna. */
    let lingering = false;
    let stopped = false;
    const background = (async () => {
      while (!stopped) {
        const reads = PALLET.map((serial) => ({ serial, antenna: 2, rssi: -70 }));
        if (lingering) reads.push({ serial: STAGED, antenna: 2, rssi: -66 });
        // While the edge is down the publish waits in the client's session; the loop goes on.
        void publish(reads).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    closers.push(async () => {
      stopped = true;
      await background;
    });

    // The staged tag crosses door 1: outer antenna, then inner, strong.
    const crossedAt = Date.now();
    await publish([
      ...[0, 150, 300, 450].map((d) => ({ serial: STAGED, antenna: 1, rssi: -50, atMs: crossedAt + d })),
      ...[700, 850, 1000, 1150].map((d) => ({ serial: STAGED, antenna: 2, rssi: -48, atMs: crossedAt + d })),
    ]);
    const received = await eventually(
      () => readLedger(r.apiUrl),
      (ledger) => ledger.some((m) => m.epc === uriOf(STAGED)),
      { what: "the staged tag's RECEIPT", timeoutMs: 30_000 },
    );
    expect(received.filter((m) => m.epc === uriOf(STAGED))).toEqual([
      expect.objectContaining({ movementType: "RECEIPT", to: "DEMO/DOCK/D1" }),
    ]);
    // Then it stands inside the door, read on and on; the pallet has been standing there since the start.
    lingering = true;
    r.note("staged tag received; waiting until the journal no longer holds its crossing");

    // Long enough that the journal has let the crossing go: a replay alone can no longer tell it moved.
    const journal = new SqliteJournal(join(r.dir, "edge-data", "edge", "edge-f", "journal.db"));
    closers.push(async () => journal.close());
    await eventually(
      () => [...journal.unprocessed()].at(0)?.receivedAt ?? 0,
      (oldest) => oldest > crossedAt + 2000,
      { what: "the crossing pruned from the journal", timeoutMs: 240_000, intervalMs: 2000 },
    );
    await r.edge.kill9();
    r.note("edge killed; restarting");
    await r.edge.start();
    // The tags stay a few seconds more, then the reader stops: whatever the edge made of them is final.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    stopped = true;
    await background;
    // Settled: the outbox empty and nothing new observed or queued for longer than a pass can still be held.
    const quietMs = pipelineSettleMs(DEFAULT_PIPELINE_CONFIG) + DEFAULT_PIPELINE_CONFIG.crossReads.maxHoldMs;
    let last = { key: "", since: Date.now() };
    await eventually(
      () => r.edgeMetrics(),
      (m) => {
        const key = `${m?.get("tally_edge_observations_total")}/${m?.get("tally_edge_events_queued_total")}`;
        if (key !== last.key) last = { key, since: Date.now() };
        return m?.get("tally_edge_outbox_depth") === 0 && Date.now() - last.since >= quietMs;
      },
      { what: "the edge settled after the restart", timeoutMs: 90_000, intervalMs: 500 },
    );
    const ledger = await readLedger(r.apiUrl);
    const byTag = new Map<string, number>();
    for (const m of ledger) if (m.epc !== undefined) byTag.set(m.epc, (byTag.get(m.epc) ?? 0) + 1);
    r.note(`movements by tag after the restart: ${JSON.stringify([...byTag])}`);
    // The staged tag's crossing was made once, before the kill; standing in the field after it makes nothing.
    expect(byTag.get(uriOf(STAGED))).toBe(1);
    // The pallet stood on one side all along, before and after the restart: never a movement.
    for (const serial of PALLET) expect(byTag.get(uriOf(serial))).toBeUndefined();
  }, 360_000);
});
