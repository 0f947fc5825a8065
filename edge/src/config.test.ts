import { describe, expect, it } from "vitest";
import { loadEdgeConfig } from "./config.js";

describe("loadEdgeConfig", () => {
  it("defaults to an embedded device broker and the cloud's default broker", () => {
    expect(loadEdgeConfig({})).toEqual({
      siteFile: undefined,
      edgeId: "edge-1",
      devices: { embedded: { host: "127.0.0.1", port: 1883 } },
      uplink: {
        mqttUrl: "mqtt://127.0.0.1:1884",
        maxBatch: 500,
        flushMs: 50,
        ackTimeoutMs: 5000,
        maxAckTimeoutMs: 60_000,
        keepaliveS: 60,
      },
      shelfSettleMs: 300,
      deviceSilentMs: 30_000,
      outboxMaxBytes: 512 * 1024 * 1024,
      outboxMaxAgeMs: 604_800_000,
      outboxMaxDeadLetters: 10_000,
      metricsServer: { host: "127.0.0.1", port: 9464 },
      dataDir: ".data",
      opcuaPkiDir: ".data/edge/edge-1/pki",
      reference: { cloudUrl: "http://127.0.0.1:8080", token: undefined, pollMs: 30_000 },
    });
  });

  it("keeps the OPC-UA client PKI under the edge's data folder unless TALLY_OPCUA_PKI_DIR says where", () => {
    expect(loadEdgeConfig({ TALLY_DATA_DIR: "/var/lib/tally", TALLY_EDGE_ID: "dock" }).opcuaPkiDir).toBe(
      "/var/lib/tally/edge/dock/pki",
    );
    expect(loadEdgeConfig({ TALLY_OPCUA_PKI_DIR: "/etc/tally/pki" }).opcuaPkiDir).toBe("/etc/tally/pki");
  });

  it("takes the bound on dead letters from TALLY_OUTBOX_MAX_DEAD_LETTERS, and refuses one that is not positive", () => {
    expect(loadEdgeConfig({ TALLY_OUTBOX_MAX_DEAD_LETTERS: "500" }).outboxMaxDeadLetters).toBe(500);
    expect(() => loadEdgeConfig({ TALLY_OUTBOX_MAX_DEAD_LETTERS: "0" })).toThrow(/TALLY_OUTBOX_MAX_DEAD_LETTERS/);
  });

  it("uses an external device broker when given one", () => {
    expect(loadEdgeConfig({ TALLY_EDGE_MQTT_URL: "mqtt://broker:1883", TALLY_EDGE_ID: "dock-edge" })).toMatchObject({
      edgeId: "dock-edge",
      devices: { url: "mqtt://broker:1883" },
    });
  });

  it("sends batches over HTTP to the cloud's API when told to", () => {
    expect(
      loadEdgeConfig({ TALLY_UPLINK_TRANSPORT: "http", TALLY_CLOUD_URL: "http://cloud:8080", TALLY_CLOUD_TOKEN: "t" })
        .uplink,
    ).toEqual({
      httpUrl: "http://cloud:8080",
      token: "t",
      maxBatch: 500,
      flushMs: 50,
      ackTimeoutMs: 5000,
      maxAckTimeoutMs: 60_000,
      keepaliveS: 60,
    });
  });

  it("works from the site file alone with TALLY_CLOUD_URL=none", () => {
    expect(loadEdgeConfig({ TALLY_CLOUD_URL: "none" }).reference).toBeUndefined();
  });

  it("scales the uplink's keepalive and backoff cap, and takes the outbox page cap test hook", () => {
    const config = loadEdgeConfig({
      TALLY_UPLINK_KEEPALIVE_S: "3",
      TALLY_UPLINK_ACK_TIMEOUT_MS: "250",
      TALLY_UPLINK_MAX_ACK_TIMEOUT_MS: "3000",
      TALLY_TEST_OUTBOX_PAGE_LIMIT: "64",
    });
    expect(config.uplink).toMatchObject({ ackTimeoutMs: 250, maxAckTimeoutMs: 3000, keepaliveS: 3 });
    expect(config.outboxPageLimit).toBe(64);
    // The cap is never below the first timeout.
    expect(loadEdgeConfig({ TALLY_UPLINK_ACK_TIMEOUT_MS: "90000" }).uplink.maxAckTimeoutMs).toBe(90_000);
  });

  it("names every bad key", () => {
    expect(() => loadEdgeConfig({ TALLY_EDGE_MQTT_PORT: "99999", TALLY_EDGE_ID: "a/b" })).toThrow(
      /TALLY_EDGE_ID.*TALLY_EDGE_MQTT_PORT|TALLY_EDGE_MQTT_PORT.*TALLY_EDGE_ID/,
    );
  });
});
