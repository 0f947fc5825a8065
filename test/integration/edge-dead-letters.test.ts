import { join } from "node:path";
import { readDeadLetters, startEdge } from "@tally/edge";
import { deadLetterSubscription, deviceTopic } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { demoSiteWithoutShelves } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { linkEdge } from "../support/link-edge.js";
import { testLogger } from "../support/quiet-logger.js";
import { cloudInTempDir } from "../support/temp-cloud.js";

const logger = testLogger();
const DAY_MS = 24 * 3600 * 1000;

describe("events the cloud refuses for good", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("are kept by the edge as dead letters: on disk with the cloud's code and reason, counted, published once", async () => {
    const { cloud, dataDir } = await cloudInTempDir(stops, "tally-dead-letters-", logger);
    const site = await demoSiteWithoutShelves();
    const token = await linkEdge(cloud, site, "edge-dl");
    const edge = await startEdge({
      site,
      edgeId: "edge-dl",
      // Anonymous test devices on the loopback.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { mqttUrl: cloud.mqttUrl, token, flushMs: 10, ackTimeoutMs: 500 },
      logger,
      dataDir,
      metricsServer: { port: 0 },
    });
    stops.push(() => edge.close());
    const watcher = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "dead-letter-watcher" });
    stops.push(() => watcher.endAsync());
    const published: Record<string, unknown>[] = [];
    watcher.on("message", (_topic, payload) =>
      published.push(JSON.parse(payload.toString()) as Record<string, unknown>),
    );
    await watcher.subscribeAsync(deadLetterSubscription(site.siteId), { qos: 1 });
    const scanner = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "dl-scanner" });
    stops.push(() => scanner.endAsync());

    // One scan from a scanner whose clock is two years behind (outside the cloud's window), one as it should be.
    const scan = (lot: string, at: number) =>
      scanner.publishAsync(
        deviceTopic(site.siteId, "scanner-1", "scan"),
        JSON.stringify({ gtin: "00614141000029", action: "RECEIPT", lot, scannedAt: new Date(at).toISOString() }),
        { qos: 1 },
      );
    await scan("OLD", Date.now() - 730 * DAY_MS);
    await scan("NOW", Date.now());

    await eventually(
      () => edge.metrics(),
      (m) => m.outboxDepth === 0 && m.uplink.eventsCommitted >= 1 && m.uplink.eventsRejected >= 1,
      { what: "one receipt committed and one refused" },
    );
    const committed = await cloud.store.movements({ sku: "GADGET", limit: 10 });
    expect(committed.map((m) => m.lot)).toEqual(["NOW"]);
    expect(edge.metrics().uplink.eventsDeadLettered).toEqual({ TALLY_ERR_TIME_OUT_OF_RANGE: 1 });
    expect(edge.metrics().eventDeadLetters).toMatchObject({ count: 1, dropped: 0 });

    // On disk, readable beside the running edge, with the cloud's reason and the whole event.
    const listed = readDeadLetters(join(dataDir, "edge", "edge-dl", "outbox.db"), 10);
    if (!listed.ok) throw new Error(listed.error.reason);
    expect(listed.value.letters).toHaveLength(1);
    const [letter] = listed.value.letters;
    expect(letter?.code).toBe("TALLY_ERR_TIME_OUT_OF_RANGE");
    expect(letter?.reason).toMatch(/outside the accepted window/);
    expect(letter?.event).toMatchObject({ kind: "movement", lot: "OLD", movementType: "RECEIPT" });

    // Published on the site's dead-letter topic, under the device the event rests on.
    const seen = await eventually(
      () => published.filter((p) => p.source === "cloud-refusal"),
      (p) => p.length >= 1,
      { what: "the dead letter on the site's dead-letter topic" },
    );
    expect(seen).toEqual([
      expect.objectContaining({
        code: "TALLY_ERR_TIME_OUT_OF_RANGE",
        deviceId: "scanner-1",
        edgeId: "edge-dl",
        eventId: letter?.event.id,
        kind: "movement",
      }),
    ]);

    // And in the edge's Prometheus metrics, by code.
    const scrape = await (await fetch(edge.metricsUrl ?? "")).text();
    expect(scrape).toMatch(/tally_edge_events_dead_lettered_total\{code="TALLY_ERR_TIME_OUT_OF_RANGE"\} 1/);
    expect(scrape).toMatch(/tally_edge_dead_letters_kept 1/);
  });
});
