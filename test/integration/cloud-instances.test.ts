import { join } from "node:path";
import { type RunningCloud, startCloud } from "@tally/cloud";
import { type RunningEdge, startEdge } from "@tally/edge";
import { deviceTopic, type SiteLayout } from "@tally/protocols";
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { raisedCondition } from "../support/conditions.js";
import { demoWithoutShelvesInTempDir, type ShelfFreeDemo } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { linkEdge } from "../support/link-edge.js";
import { probeMosquitto } from "../support/mosquitto.js";
import { probePostgres } from "../support/postgres.js";
import { testLogger } from "../support/quiet-logger.js";

// The skip decision must be known before collection; in CI a missing server throws here.
const [broker, postgres] = await Promise.all([probeMosquitto(), probePostgres()]);
const unavailable = [broker, postgres].flatMap((s) => ("unavailable" in s ? [s.unavailable] : [])).join("; ");
const logger = testLogger();

const scan = (lot: string) =>
  JSON.stringify({ gtin: "00614141000029", action: "RECEIPT", lot, scannedAt: new Date().toISOString() });

/** A counter of a cloud's Prometheus metrics, 0 while it has not counted. */
async function counter(cloud: RunningCloud, series: string): Promise<number> {
  const text = await (await fetch(`${cloud.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

/** Batches a cloud committed over MQTT. */
const mqttBatches = (cloud: RunningCloud) =>
  counter(cloud, 'tally_cloud_batches_total{transport="mqtt",status="committed"}');

/** Batches a cloud held for their predecessor, by outcome: held, found (in the ledger), expired. */
const heldBatches = (cloud: RunningCloud, outcome: "held" | "found" | "expired") =>
  counter(cloud, `tally_cloud_batches_held_total{outcome="${outcome}"}`);

describe.skipIf(unavailable !== "")(
  `several cloud instances on Mosquitto and PostgreSQL${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    const stops: (() => Promise<unknown>)[] = [];
    let site: SiteLayout;
    let dataDir: string;
    let demo: ShelfFreeDemo | undefined;
    beforeAll(async () => {
      demo = await demoWithoutShelvesInTempDir("tally-cloud-instances-");
      ({ site, dataDir } = demo);
    });
    afterEach(async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    });
    afterAll(async () => {
      await demo?.close();
      if (!("unavailable" in broker)) await broker.stop();
      if (!("unavailable" in postgres)) await postgres.stop();
    });

    const edge = async (
      edgeId: string,
      cloudMqttUrl: string,
      token: string,
      extra: { ackTimeoutMs?: number; dir?: string; window?: number } = {},
    ) => {
      const dir = extra.dir ?? join(dataDir, `${edgeId}-${Math.random().toString(36).slice(2)}`);
      const running: RunningEdge = await startEdge({
        site,
        edgeId,
        // Anonymous simulated devices on the loopback.
        mode: "development",
        devices: { embedded: { port: 0 } },
        uplink: {
          mqttUrl: cloudMqttUrl,
          token,
          flushMs: 5,
          maxBatch: 10,
          ackTimeoutMs: extra.ackTimeoutMs ?? 2000,
          maxAckTimeoutMs: 1000,
          ...(extra.window !== undefined && { window: extra.window }),
        },
        logger,
        dataDir: dir,
      });
      stops.push(() => running.close());
      const device = await mqtt.connectAsync(running.deviceMqttUrl, { clientId: `${edgeId}-scanner` });
      stops.push(() => device.endAsync());
      return {
        dir,
        edge: running,
        send: async (lots: string[]) => {
          for (const lot of lots)
            await device.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), scan(lot), { qos: 1 });
        },
      };
    };

    it("two cloud instances in one shared subscription split an edge's batches and commit each event once", async () => {
      if ("unavailable" in broker || "unavailable" in postgres) return;
      const databaseUrl = await postgres.freshDatabase();
      const clouds: RunningCloud[] = [];
      for (let i = 0; i < 2; i++) {
        const cloud = await startCloud({
          port: 0,
          databaseUrl,
          mqtt: { url: broker.url },
          mqttShareGroup: "tally-cloud",
          logger,
        });
        stops.push(() => cloud.close());
        clouds.push(cloud);
      }
      // A short ack timeout makes resends, which may reach the other instance while the first still commits.
      const token = await linkEdge(clouds[0] as RunningCloud, site, "edge-shared");
      // Window 4: consecutive batches land on different instances, each asking the ledger for a predecessor the
      // other committed.
      const { edge: running, send } = await edge("edge-shared", broker.url, token, { ackTimeoutMs: 150, window: 4 });
      const lots = Array.from({ length: 300 }, (_, i) => `SH${i}`);
      await send(lots);
      await running.drained();
      const [first] = clouds as [RunningCloud];
      await eventually(
        () => first.store.movements({ sku: "GADGET", limit: 1000 }),
        (m) => m.length >= lots.length,
        { what: "every scan in the ledger" },
      );
      const movements = await first.store.movements({ sku: "GADGET", limit: 1000 });
      // Exactly once and in the order the scans were queued, though the instances split the batches.
      expect(movements.map((m) => m.lot)).toEqual(lots);
      for (const cloud of clouds) expect(await mqttBatches(cloud)).toBeGreaterThan(0);
      // Predecessors committed by the other instance were found in the ledger; no batch waited out its hold.
      const outcomes = async (outcome: "found" | "expired") =>
        (await Promise.all(clouds.map((cloud) => heldBatches(cloud, outcome)))).reduce((a, b) => a + b, 0);
      expect(await outcomes("found")).toBeGreaterThan(0);
      expect(await outcomes("expired")).toBe(0);
    });

    it("every instance streams the same alerts: one raised through one instance and acknowledged through the other", async () => {
      if ("unavailable" in broker || "unavailable" in postgres) return;
      const databaseUrl = await postgres.freshDatabase();
      const [a, b] = await Promise.all(
        [0, 1].map(async () => {
          const cloud = await startCloud({ port: 0, databaseUrl, mqtt: { url: broker.url }, logger });
          stops.push(() => cloud.close());
          return cloud;
        }),
      );
      if (a === undefined || b === undefined) throw new Error("two clouds expected");
      const streams = [a, b].map((cloud) => {
        const controller = new AbortController();
        stops.push(async () => controller.abort());
        const seen: { id: string; status: string }[] = [];
        const ready = fetch(`${cloud.url}/v1/alerts/stream`, {
          headers: { authorization: `Bearer ${cloud.adminToken}` },
          signal: controller.signal,
        }).then(async (res) => {
          const reader = res.body?.getReader();
          if (reader === undefined) throw new Error("no stream body");
          const decoder = new TextDecoder();
          let buffer = "";
          void (async () => {
            for (;;) {
              const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
              if (chunk.done) return;
              buffer += decoder.decode(chunk.value, { stream: true });
              for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
                const data = buffer
                  .slice(0, end)
                  .split("\n")
                  .find((l) => l.startsWith("data: "));
                buffer = buffer.slice(end + 2);
                if (data !== undefined) seen.push(JSON.parse(data.slice(6)));
              }
            }
          })();
        });
        return { seen, ready };
      });
      await Promise.all(streams.map((s) => s.ready));
      const raised = await a.store.commit({ edgeId: "edge-x", siteId: "DEMO", batchId: "b-1", seq: 0 }, [
        raisedCondition({ id: "c-1" }),
      ]);
      const id = raised.alerts[0]?.id ?? "";
      // Instance b learns of it from the database, not from instance a's memory.
      await eventually(
        async () => streams[1]?.seen ?? [],
        (seen) => seen.some((x) => x.id === id && x.status === "open"),
        { what: "the alert on the other instance's stream" },
      );
      const ack = await fetch(`${b.url}/v1/alerts/${id}/acknowledge`, {
        method: "POST",
        headers: { authorization: `Bearer ${b.adminToken}` },
      });
      expect(ack.status).toBe(200);
      await eventually(
        async () => streams[0]?.seen ?? [],
        (seen) => seen.some((x) => x.id === id && x.status === "acknowledged"),
        { what: "the acknowledgement on the first instance's stream" },
      );
      await eventually(
        async () => streams[1]?.seen ?? [],
        (seen) => seen.some((x) => x.id === id && x.status === "acknowledged"),
        { what: "the acknowledgement on its own instance's stream" },
      );
      // A later change through a: the database notifies in commit order, so once b streams this one, b has also
      // had the notice of its own acknowledgement back.
      const later = await a.store.commit({ edgeId: "edge-x", siteId: "DEMO", batchId: "b-2", seq: 1 }, [
        raisedCondition({ id: "c-2", deviceId: "cold-2" }),
      ]);
      const laterId = later.alerts[0]?.id ?? "";
      await eventually(
        async () => streams[1]?.seen ?? [],
        (seen) => seen.some((x) => x.id === laterId),
        { what: "a later alert on the other instance's stream" },
      );
      // Each change once on each stream: b's own acknowledgement is not streamed again when its notice comes back.
      expect(streams[1]?.seen.filter((x) => x.id === id).map((x) => x.status)).toEqual(["open", "acknowledged"]);
      expect(streams[0]?.seen.filter((x) => x.id === id).map((x) => x.status)).toEqual(["acknowledged"]);
    });

    it("quarantines an edge id two edges send under, refuses their batches, and loses nothing once released", async () => {
      if ("unavailable" in broker || "unavailable" in postgres) return;
      const cloud = await startCloud({
        port: 0,
        databaseUrl: await postgres.freshDatabase(),
        mqtt: { url: broker.url },
        edgeGraceMs: 300,
        logger,
      });
      stops.push(() => cloud.close());
      const token = await linkEdge(cloud, site, "twin");
      const one = await edge("twin", broker.url, token);
      const two = await edge("twin", broker.url, token);
      const sent: string[] = [];
      const alert = async () =>
        (await cloud.store.alerts({ status: "open" })).find((a) => a.kind === "EDGE_IDENTITY_CONFLICT");
      for (let round = 0; round < 40 && (await alert()) === undefined; round++) {
        const lots = [`A${round}`, `B${round}`];
        await one.send([lots[0] as string]);
        await two.send([lots[1] as string]);
        sent.push(...lots);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await alert()).toMatchObject({ severity: "critical" });
      const admin = { authorization: `Bearer ${cloud.adminToken}` };
      const edges = (await (await fetch(`${cloud.url}/v1/edges`, { headers: admin })).json()) as {
        edges: { quarantine?: unknown }[];
      };
      expect(edges.edges[0]?.quarantine).toBeDefined();

      // The refused events wait in the second box's outbox. It is switched off, an admin releases the id,
      // the first box drains and is replaced by the second: what both ever sent arrives, once.
      expect(two.edge.metrics().outboxDepth).toBeGreaterThan(0);
      await two.edge.close();
      const released = await fetch(`${cloud.url}/v1/edges/twin/release`, { method: "POST", headers: admin });
      expect(released.status).toBe(200);
      await one.edge.drained();
      await one.edge.close();
      const again = await edge("twin", broker.url, token, { dir: two.dir });
      await again.edge.drained();
      const lots = (await cloud.store.movements({ sku: "GADGET", limit: 1000 })).map((m) => m.lot);
      expect([...lots].sort()).toEqual([...sent].sort());
    });
  },
);
