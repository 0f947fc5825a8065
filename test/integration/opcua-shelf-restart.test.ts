import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareOpcuaClientPki, trustOpcuaCertificate } from "@tally/edge";
import type { ShelfDevice, SiteLayout } from "@tally/protocols";
import { type OpcuaShelf, SCALE_ITEM, shelfSiteAtScale, startOpcuaShelf } from "@tally/simulators";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { committedPicks } from "../support/committed-picks.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { testLogger } from "../support/quiet-logger.js";
import { cloudAndShelfEdge } from "../support/shelf-edge.js";

const quiet = testLogger();
const BINS = 500;
const UNITS = 10;
const USER = "tally-edge";
const PASSWORD = "a long shelf password";

describe("OPC-UA shelves at scale: restarts, quality, browsing", () => {
  let root: string;
  let edgePki: string;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "tally-opcua-restart-"));
    edgePki = join(root, "edge-pki");
    // The key pair takes seconds to make: made here, outside the test's own time.
    await prepareOpcuaClientPki(edgePki, { edgeId: "edge-restart", trustOnFirstUse: false, logger: quiet });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("is monitored again within 10 s of the server's return; every pick is counted once, those made while it was down included", async () => {
    const site: SiteLayout = shelfSiteAtScale({
      endpointUrl: `opc.tcp://127.0.0.1:${await freePort()}/UA/TallyShelf`,
      bins: BINS,
      browse: true,
      sampling: { samplingIntervalMs: 50, queueSize: 10 },
      security: {
        mode: "SignAndEncrypt",
        policy: "Basic256Sha256",
        identity: { type: "userName", userName: USER, passwordEnv: "SHELF_PASSWORD" },
      },
    });
    const device = site.devices.find((d): d is ShelfDevice => d.kind === "shelf");
    if (device === undefined) throw new Error("no shelf");
    const locations = device.bins.map((b) => b.location);
    const shelf: OpcuaShelf = await startOpcuaShelf(device, quiet, {
      modes: ["SignAndEncrypt"],
      policies: ["Basic256Sha256"],
      users: { [USER]: PASSWORD },
      pkiDir: join(root, "server-pki"),
      // A smaller limit than node-opcua's own, so the edge has to create its monitored items in several calls.
      maxMonitoredItemsPerCall: 200,
    });
    stops.push(() => shelf.close());
    for (const location of locations) shelf.setGrams(location, UNITS * SCALE_ITEM.unitWeightG);
    const certificate = join(root, "server.der");
    await writeFile(certificate, shelf.certificate());
    await trustOpcuaCertificate(edgePki, certificate);

    const { cloud, edge } = await cloudAndShelfEdge({
      root,
      site,
      edgeId: "edge-restart",
      logger: quiet,
      stops,
      ackTimeoutMs: 500,
      // Production: the shelf is secured. No MQTT device here: the device broker may stay without credentials.
      edge: {
        mode: "production",
        insecure: true,
        opcua: { pkiDir: edgePki, secretEnv: { SHELF_PASSWORD: PASSWORD } },
      },
    });
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    expect(edge.metrics().opcuaMonitoredBins).toEqual({ [device.id]: BINS });
    // Every bin's first value is its baseline: wait for all of them before picking.
    await eventually(
      () => edge.metrics().observations,
      (n) => n >= BINS,
      { what: "every bin's first weight", timeoutMs: 10_000 },
    );
    // ...and for it to settle: a pick within the settle window of a bin's first value would be its baseline.
    await edge.drained();

    // The load: a unit picked from each of 5 bins every 10 ms, round the 500 bins, until told to stop.
    const units = new Map(locations.map((l) => [l, UNITS]));
    let picking = true;
    let picked = 0;
    const load = (async () => {
      for (let i = 0; picking; ) {
        for (let n = 0; n < 5; n++, i++) {
          const location = locations[i % BINS] as string;
          const left = units.get(location) ?? 0;
          if (left > 1) {
            units.set(location, left - 1);
            shelf.setGrams(location, (left - 1) * SCALE_ITEM.unitWeightG);
            picked++;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await eventually(
      () => picked,
      (n) => n >= 300,
      { what: "picks before the restart" },
    );
    await shelf.stop();
    const pickedWhileUp = picked;
    await eventually(
      () => edge.metrics().opcuaMonitoredBins[device.id],
      (n) => n === 0,
      { what: "the edge noticing the server gone", timeoutMs: 10_000 },
    );
    // Picks go on while the server is down: the shelf keeps them and serves them when it is back.
    await eventually(
      () => picked - pickedWhileUp,
      (n) => n >= 200,
      { what: "picks while the server is down" },
    );
    await shelf.start();
    const backAt = Date.now();
    await eventually(
      () => edge.metrics().opcuaMonitoredBins[device.id],
      (n) => n === BINS,
      { what: "every bin monitored again", timeoutMs: 10_000, intervalMs: 20 },
    );
    const resubscribedMs = Date.now() - backAt;
    expect(resubscribedMs).toBeLessThan(10_000);
    const pickedBeforeBack = picked;
    await eventually(
      () => picked - pickedBeforeBack,
      (n) => n >= 200,
      { what: "picks after the restart" },
    );
    picking = false;
    await load;

    // Settled, committed: each bin's picks add up to its drop from the baseline, no more (a duplicate) and no less
    // (a change missed while the link was down).
    await edge.drained();
    const expected = new Map(locations.map((l) => [l, UNITS - (units.get(l) ?? 0)]));
    const counted = new Map<string, number>();
    for (const pick of await committedPicks(cloud, site.siteId)) {
      const from = pick.from ?? "";
      counted.set(from, (counted.get(from) ?? 0) + pick.qty);
    }
    const mismatched = locations.filter((l) => (counted.get(l) ?? 0) !== expected.get(l));
    expect(mismatched.map((l) => ({ l, counted: counted.get(l), expected: expected.get(l) }))).toEqual([]);
    expect([...expected.values()].reduce((a, b) => a + b, 0)).toBe(picked);
    expect(edge.metrics().opcuaShelfRefusals).toBeGreaterThanOrEqual(1);
    expect(edge.metrics().opcuaValuesRejected).toBe(0);
    // About 20 s on a quiet machine, 20–46 s beside a full test run's load: the margin is for a loaded one.
  }, 120_000);

  it("never takes a Bad or Uncertain value as a weight: counted by status, and a bin that stays bad raises SHELF_UNSTABLE until it is good", async () => {
    const site = shelfSiteAtScale({ endpointUrl: `opc.tcp://127.0.0.1:${await freePort()}/UA/TallyShelf`, bins: 20 });
    const device = site.devices.find((d): d is ShelfDevice => d.kind === "shelf");
    if (device === undefined) throw new Error("no shelf");
    const [a, b] = device.bins.map((bin) => bin.location);
    if (a === undefined || b === undefined) throw new Error("too few bins");
    const shelf = await startOpcuaShelf(device, quiet);
    stops.push(() => shelf.close());
    for (const bin of device.bins) shelf.setGrams(bin.location, 2500);
    const { cloud, edge } = await cloudAndShelfEdge({
      root,
      site,
      edgeId: "edge-quality",
      logger: quiet,
      stops,
      edge: { opcua: { pkiDir: edgePki, quality: { badAfterMs: 500 } } },
    });
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    await eventually(
      () => edge.metrics().observations,
      (n) => n >= 20,
      { what: "every bin's first weight" },
    );
    // A failed load cell reports a weight with a Bad status: were it taken, 2500 → 0 g would be a pick of 10.
    shelf.setGrams(a, 0);
    shelf.setStatus(a, "BadSensorFailure");
    shelf.setStatus(b, "UncertainLastUsableValue");
    const unstable = async () => (await cloud.store.alerts({})).filter((x) => x.kind === "SHELF_UNSTABLE");
    const raised = await eventually(unstable, (x) => x.some((y) => y.status === "open"), {
      what: "a SHELF_UNSTABLE alert",
      timeoutMs: 10_000,
    });
    expect(raised[0]?.message).toContain(`${a} (BadSensorFailure)`);
    const refused = edge.metrics().opcuaValuesRefused[device.id] ?? {};
    expect(refused.BadSensorFailure).toBeGreaterThanOrEqual(1);
    expect(refused.UncertainLastUsableValue).toBeGreaterThanOrEqual(1);
    expect(edge.metrics().opcuaBadBins[device.id]).toBe(2);
    // Good again at the weight it had: the condition clears, and no pick was ever made of the bad value.
    shelf.setGrams(a, 2500);
    shelf.setGrams(b, 2500);
    await eventually(unstable, (x) => x.every((y) => y.status !== "open"), {
      what: "SHELF_UNSTABLE cleared",
      timeoutMs: 10_000,
    });
    await edge.drained();
    expect(await committedPicks(cloud, site.siteId)).toEqual([]);
  });

  it("a browsed shelf whose folder lacks some bins monitors the others and reports the missing ones as bad bins", async () => {
    const endpointUrl = `opc.tcp://127.0.0.1:${await freePort()}/UA/TallyShelf`;
    // The edge's site file has 12 bins; the server's folder has only the first 10.
    const site = shelfSiteAtScale({ endpointUrl, bins: 12, browse: true });
    const device = site.devices.find((d): d is ShelfDevice => d.kind === "shelf");
    if (device === undefined) throw new Error("no shelf");
    const shelf = await startOpcuaShelf({ ...device, bins: device.bins.slice(0, 10) }, quiet);
    stops.push(() => shelf.close());
    const { edge } = await cloudAndShelfEdge({
      root,
      site,
      edgeId: "edge-browse",
      logger: quiet,
      stops,
      edge: { opcua: { pkiDir: edgePki } },
    });
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    expect(edge.metrics().opcuaMonitoredBins).toEqual({ [device.id]: 10 });
    expect(edge.metrics().opcuaBadBins).toEqual({ [device.id]: 2 });
    expect(edge.metrics().opcuaValuesRefused[device.id]).toEqual({ BadNodeIdUnknown: 2 });
    // The ten found are watched: a pick on one of them is counted.
    await eventually(
      () => edge.metrics().observations,
      (n) => n >= 10,
      { what: "the first weights of the bins found" },
    );
    const [first] = device.bins;
    if (first === undefined) throw new Error("no bin");
    shelf.setGrams(first.location, 2500);
    await eventually(
      () => edge.metrics().observations,
      (n) => n >= 11,
      { what: "the changed weight" },
    );
  });
});
