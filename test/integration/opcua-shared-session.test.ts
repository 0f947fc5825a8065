import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareOpcuaClientPki } from "@tally/edge";
import { type ShelfDevice, SiteLayout } from "@tally/protocols";
import { type OpcuaShelf, SCALE_ITEM, shelfSiteAtScale, startOpcuaShelf } from "@tally/simulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committedPicks } from "../support/committed-picks.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { testLogger } from "../support/quiet-logger.js";
import { cloudAndShelfEdge } from "../support/shelf-edge.js";

const quiet = testLogger();
const UNITS = 10;
const GRAMS = UNITS * SCALE_ITEM.unitWeightG;

/** The intervals of each session's subscriptions, sorted, sessions sorted: comparable whatever the order. */
const sessionShape = (server: OpcuaShelf) =>
  server
    .sessions()
    .map((s) => [...s.subscriptionIntervalsMs].sort((a, b) => a - b))
    .sort((a, b) => a.length - b.length);

describe("OPC-UA shelves behind one endpoint share one session", () => {
  let root: string;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "tally-opcua-shared-"));
  });
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await rm(root, { recursive: true, force: true });
  });

  it("one session and one subscription per publishing interval on a shared endpoint, one session of its own on another; each shelf's picks arrive, across a server restart too", async () => {
    // One server holding 30 bins, split in the edge's site file over three shelves: two publish every 100 ms,
    // the third every 500 ms. A fourth shelf has a server of its own.
    const shared = shelfSiteAtScale({
      endpointUrl: `opc.tcp://127.0.0.1:${await freePort()}/UA/TallyShelf`,
      bins: 31,
    });
    const server = shared.devices.find((d): d is ShelfDevice => d.kind === "shelf");
    if (server === undefined) throw new Error("no shelf");
    const bins = server.bins;
    const own: ShelfDevice = {
      ...server,
      id: "shelf-d",
      endpointUrl: `opc.tcp://127.0.0.1:${await freePort()}/UA/TallyShelf`,
      bins: bins.slice(30),
    };
    const site = SiteLayout.parse({
      ...shared,
      devices: [
        { ...server, id: "shelf-a", bins: bins.slice(0, 10) },
        { ...server, id: "shelf-b", bins: bins.slice(10, 20) },
        {
          ...server,
          id: "shelf-c",
          bins: bins.slice(20, 30),
          sampling: { samplingIntervalMs: 100, publishingIntervalMs: 500 },
        },
        own,
      ],
    });
    const sharedServer = await startOpcuaShelf({ ...server, bins: bins.slice(0, 30) }, quiet);
    stops.push(() => sharedServer.close());
    const ownServer = await startOpcuaShelf(own, quiet);
    stops.push(() => ownServer.close());
    for (const bin of bins.slice(0, 30)) sharedServer.setGrams(bin.location, GRAMS);
    for (const bin of own.bins) ownServer.setGrams(bin.location, GRAMS);

    const pkiDir = join(root, "edge-pki");
    await prepareOpcuaClientPki(pkiDir, { edgeId: "edge-shared", trustOnFirstUse: true, logger: quiet });
    const { cloud, edge } = await cloudAndShelfEdge({
      root,
      site,
      edgeId: "edge-shared",
      logger: quiet,
      stops,
      edge: { opcua: { pkiDir } },
    });
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    expect(edge.metrics().opcuaMonitoredBins).toEqual({ "shelf-a": 10, "shelf-b": 10, "shelf-c": 10, "shelf-d": 1 });
    expect(sessionShape(sharedServer)).toEqual([[100, 500]]);
    expect(sessionShape(ownServer)).toEqual([[100]]);
    await eventually(
      () => edge.metrics().observations,
      (n) => n >= 31,
      { what: "every bin's first weight" },
    );
    await edge.drained();

    // A unit off one bin of each shelf; then, while the shared server is down, another off each shared shelf.
    const picks = [bins[0], bins[10], bins[20], bins[30]].map((b) => b?.location ?? "");
    sharedServer.setGrams(picks[0] ?? "", GRAMS - SCALE_ITEM.unitWeightG);
    sharedServer.setGrams(picks[1] ?? "", GRAMS - SCALE_ITEM.unitWeightG);
    sharedServer.setGrams(picks[2] ?? "", GRAMS - SCALE_ITEM.unitWeightG);
    ownServer.setGrams(picks[3] ?? "", GRAMS - SCALE_ITEM.unitWeightG);
    const picked = async () => {
      await edge.drained();
      const byBin = new Map<string, number>();
      for (const pick of await committedPicks(cloud, site.siteId)) {
        byBin.set(pick.from ?? "", (byBin.get(pick.from ?? "") ?? 0) + pick.qty);
      }
      return picks.map((l) => byBin.get(l) ?? 0);
    };
    await eventually(picked, (n) => n.every((qty) => qty === 1), { what: "a pick from each shelf", timeoutMs: 15_000 });

    await sharedServer.stop();
    await eventually(
      () => edge.metrics().opcuaMonitoredBins,
      (m) => m["shelf-a"] === 0 && m["shelf-b"] === 0 && m["shelf-c"] === 0,
      { what: "the edge noticing the shared server gone", timeoutMs: 15_000 },
    );
    for (const location of picks.slice(0, 3)) sharedServer.setGrams(location, GRAMS - 2 * SCALE_ITEM.unitWeightG);
    await sharedServer.start();
    await eventually(
      () => edge.metrics().opcuaMonitoredBins,
      (m) => m["shelf-a"] === 10 && m["shelf-b"] === 10 && m["shelf-c"] === 10,
      { what: "every shared shelf monitored again", timeoutMs: 15_000 },
    );
    expect(sessionShape(sharedServer)).toEqual([[100, 500]]);
    // Each pick counted once: those made while the server was down arrive, none twice.
    await eventually(picked, (n) => n.join() === "2,2,2,1", {
      what: "the picks made during the outage",
      timeoutMs: 15_000,
    });
    expect(edge.metrics().opcuaMonitoredBins["shelf-d"]).toBe(1);
    expect(sessionShape(ownServer)).toEqual([[100]]);
  }, 60_000);

  it("a shelf whose bins cannot be monitored is refused alone: the others on its session carry on", async () => {
    const site0 = shelfSiteAtScale({ endpointUrl: `opc.tcp://127.0.0.1:${await freePort()}/UA/TallyShelf`, bins: 12 });
    const server = site0.devices.find((d): d is ShelfDevice => d.kind === "shelf");
    if (server === undefined) throw new Error("no shelf");
    const site = SiteLayout.parse({
      ...site0,
      devices: [
        { ...server, id: "shelf-good", bins: server.bins.slice(0, 6) },
        // Browsed in a folder the server does not have.
        {
          ...server,
          id: "shelf-lost",
          browse: { folderNodeId: "ns=1;s=no-such-folder", binPattern: "W-{bin}" },
          bins: server.bins.slice(6).map(({ nodeId: _n, ...bin }) => bin),
        },
      ],
    });
    const shelf = await startOpcuaShelf({ ...server, bins: server.bins }, quiet);
    stops.push(() => shelf.close());
    const pkiDir = join(root, "edge-pki");
    await prepareOpcuaClientPki(pkiDir, { edgeId: "edge-shared", trustOnFirstUse: true, logger: quiet });
    const { cloud, edge } = await cloudAndShelfEdge({
      root,
      site,
      edgeId: "edge-lost",
      logger: quiet,
      stops,
      edge: { opcua: { pkiDir } },
    });
    const unreachable = async () =>
      (await cloud.store.alerts({})).filter((a) => a.kind === "SHELF_UNREACHABLE" && a.status === "open");
    const raised = await eventually(unreachable, (a) => a.length > 0, {
      what: "SHELF_UNREACHABLE for the shelf that cannot be browsed",
      timeoutMs: 15_000,
    });
    expect(raised.map((a) => a.message).join()).toContain("shelf-lost");
    expect(raised.map((a) => a.message).join()).not.toContain("shelf-good");
    expect(await edge.shelvesReady(1000)).toEqual({ waiting: ["shelf-lost"] });
    expect(edge.metrics().opcuaMonitoredBins).toEqual({ "shelf-good": 6, "shelf-lost": 0 });
    expect(sessionShape(shelf)).toEqual([[100]]);
    // The good shelf's values still arrive on the shared session.
    await eventually(
      () => edge.metrics().observations,
      (n) => n >= 6,
      { what: "the good shelf's first weights" },
    );
    const first = server.bins[0]?.location ?? "";
    shelf.setGrams(first, 2 * SCALE_ITEM.unitWeightG);
    await eventually(
      () => edge.metrics().observations,
      (n) => n >= 7,
      { what: "the good shelf's change" },
    );
  }, 60_000);
});
