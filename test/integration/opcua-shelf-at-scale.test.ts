import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareOpcuaClientPki } from "@tally/edge";
import type { ShelfDevice } from "@tally/protocols";
import { SCALE_ITEM, shelfSiteAtScale, startOpcuaShelf } from "@tally/simulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committedPicks } from "../support/committed-picks.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { testLogger } from "../support/quiet-logger.js";
import { cloudAndShelfEdge } from "../support/shelf-edge.js";

const quiet = testLogger();
const BINS = 2000;
const UNITS = 10;
const ROUNDS = 3;

describe("OPC-UA shelf at scale: the real connector and pipeline", () => {
  let root: string;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "tally-opcua-scale-"));
  });
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await rm(root, { recursive: true, force: true });
  });

  it(`every settled change of ${BINS} monitored items comes out exactly once: ${ROUNDS} picks a bin, each one PICK`, async () => {
    const site = shelfSiteAtScale({ endpointUrl: `opc.tcp://127.0.0.1:${await freePort()}/UA/TallyShelf`, bins: BINS });
    const device = site.devices.find((d): d is ShelfDevice => d.kind === "shelf");
    if (device === undefined) throw new Error("no shelf");
    const locations = device.bins.map((b) => b.location);
    const shelf = await startOpcuaShelf(device, quiet);
    stops.push(() => shelf.close());
    for (const location of locations) shelf.setGrams(location, UNITS * SCALE_ITEM.unitWeightG);
    const pkiDir = join(root, "edge-pki");
    // The key pair takes seconds to make: made here, outside what the test waits for.
    await prepareOpcuaClientPki(pkiDir, { edgeId: "edge-scale", trustOnFirstUse: true, logger: quiet });
    const { cloud, edge } = await cloudAndShelfEdge({
      root,
      site,
      edgeId: "edge-scale",
      logger: quiet,
      stops,
      // A durable outbox, and event ids as the real edge makes them.
      edge: { dataDir: join(root, "edge-data"), opcua: { pkiDir } },
    });
    expect(await edge.shelvesReady(30_000)).toEqual({ waiting: [] });
    await eventually(
      () => edge.metrics().observations,
      (n) => n >= BINS,
      { what: "every bin's first weight", timeoutMs: 30_000 },
    );
    // The first values are each bin's baseline: settled before the first pick.
    await edge.drained();

    // Each round picks one unit from every bin at once (a burst of BINS changes in one publish or a few), then
    // lets them all settle.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const location of locations) shelf.setGrams(location, (UNITS - round) * SCALE_ITEM.unitWeightG);
      await eventually(
        () => edge.metrics().observations,
        (n) => n >= BINS * (round + 1),
        { what: `round ${round}'s values at the edge`, timeoutMs: 30_000 },
      );
      await edge.drained();
    }

    const picks = await committedPicks(cloud, site.siteId);
    const perBin = new Map<string, number>();
    for (const pick of picks) {
      expect(pick.qty).toBe(1);
      perBin.set(pick.from ?? "", (perBin.get(pick.from ?? "") ?? 0) + 1);
    }
    const wrong = locations.filter((l) => perBin.get(l) !== ROUNDS).map((l) => ({ l, picks: perBin.get(l) ?? 0 }));
    expect(wrong).toEqual([]);
    expect(picks).toHaveLength(BINS * ROUNDS);
    expect(new Set(picks.map((p) => p.id)).size).toBe(BINS * ROUNDS);
    // Nothing refused, nothing lost on the way: every value the shelf sent was a weight.
    expect(edge.metrics().opcuaValuesRejected).toBe(0);
    expect(edge.metrics().opcuaShelfRefusals).toBe(0);
  }, 120_000);
});
