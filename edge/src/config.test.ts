import { describe, expect, it } from "vitest";
import { loadEdgeConfig } from "./config.js";

describe("loadEdgeConfig", () => {
  it("defaults to an embedded device broker and the cloud's default broker", () => {
    expect(loadEdgeConfig({})).toEqual({
      siteFile: undefined,
      edgeId: "edge-1",
      mode: "development",
      insecure: false,
      devices: { embedded: { host: "127.0.0.1", port: 1883, maxPacketBytes: 270_336, maxMsgRate: 2000 } },
      uplink: {
        mqttUrl: "mqtt://127.0.0.1:1884",
        maxBatch: 500,
        flushMs: 0,
        window: 4,
        readingColumns: true,
        ackTimeoutMs: 5000,
        maxAckTimeoutMs: 60_000,
        keepaliveS: 60,
      },
      shelfSettleMs: 300,
      deviceSilentMs: 30_000,
      telemetryIntervalMs: 60_000,
      outboxMaxBytes: 512 * 1024 * 1024,
      outboxMaxAgeMs: 604_800_000,
      outboxMaxDeadLetters: 10_000,
      deadLetterMaxDevices: 1000,
      metricsServer: { host: "127.0.0.1", port: 9464 },
      dataDir: ".data",
      opcuaPkiDir: ".data/edge/edge-1/pki",
      reference: { cloudUrl: "http://127.0.0.1:8080", token: undefined, pollMs: 30_000, staleMs: 600_000 },
    });
  });

  it("takes the temperature summary period from TALLY_TELEMETRY_INTERVAL_MS, whole seconds only", () => {
    expect(loadEdgeConfig({ TALLY_TELEMETRY_INTERVAL_MS: "300000" }).telemetryIntervalMs).toBe(300_000);
    expect(() => loadEdgeConfig({ TALLY_TELEMETRY_INTERVAL_MS: "1500" })).toThrow(
      /TALLY_TELEMETRY_INTERVAL_MS.*whole seconds/,
    );
    expect(() => loadEdgeConfig({ TALLY_TELEMETRY_INTERVAL_MS: "0" })).toThrow(/TALLY_TELEMETRY_INTERVAL_MS/);
  });

  it("keeps the OPC-UA client PKI under the edge's data folder unless TALLY_OPCUA_PKI_DIR says where", () => {
    expect(loadEdgeConfig({ TALLY_DATA_DIR: "/var/lib/tally", TALLY_EDGE_ID: "dock" }).opcuaPkiDir).toBe(
      "/var/lib/tally/edge/dock/pki",
    );
    expect(loadEdgeConfig({ TALLY_OPCUA_PKI_DIR: "/etc/tally/pki" }).opcuaPkiDir).toBe("/etc/tally/pki");
  });

  it("takes the devices reported on their own per minute from TALLY_DEAD_LETTER_MAX_DEVICES, positive only", () => {
    expect(loadEdgeConfig({ TALLY_DEAD_LETTER_MAX_DEVICES: "50" }).deadLetterMaxDevices).toBe(50);
    expect(() => loadEdgeConfig({ TALLY_DEAD_LETTER_MAX_DEVICES: "0" })).toThrow(/TALLY_DEAD_LETTER_MAX_DEVICES/);
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
      flushMs: 0,
      window: 4,
      readingColumns: true,
      ackTimeoutMs: 5000,
      maxAckTimeoutMs: 60_000,
      keepaliveS: 60,
    });
  });

  it("works from the site file alone with TALLY_CLOUD_URL=none", () => {
    expect(loadEdgeConfig({ TALLY_CLOUD_URL: "none" }).reference).toBeUndefined();
  });

  it("takes how long its reference data may go unconfirmed, and refuses a limit that is not positive", () => {
    expect(loadEdgeConfig({ TALLY_REFERENCE_STALE_MS: "120000" }).reference?.staleMs).toBe(120_000);
    for (const bad of ["0", "-5", "ten minutes"])
      expect(() => loadEdgeConfig({ TALLY_REFERENCE_STALE_MS: bad })).toThrow(/TALLY_REFERENCE_STALE_MS/);
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

  it("sends readings as columns by default, and as events when told to", () => {
    expect(loadEdgeConfig({ TALLY_UPLINK_READING_COLUMNS: "false" }).uplink.readingColumns).toBe(false);
    expect(() => loadEdgeConfig({ TALLY_UPLINK_READING_COLUMNS: "no" })).toThrow(/TALLY_UPLINK_READING_COLUMNS/);
  });

  it("takes the uplink window, 4 by default, and refuses one beyond 16", () => {
    expect(loadEdgeConfig({}).uplink.window).toBe(4);
    expect(loadEdgeConfig({ TALLY_UPLINK_WINDOW: "1" }).uplink.window).toBe(1);
    expect(() => loadEdgeConfig({ TALLY_UPLINK_WINDOW: "17" })).toThrow(/TALLY_UPLINK_WINDOW/);
    expect(() => loadEdgeConfig({ TALLY_UPLINK_WINDOW: "0" })).toThrow(/TALLY_UPLINK_WINDOW/);
  });

  it("names every bad key", () => {
    expect(() => loadEdgeConfig({ TALLY_EDGE_MQTT_PORT: "99999", TALLY_EDGE_ID: "a/b" })).toThrow(
      /TALLY_EDGE_ID.*TALLY_EDGE_MQTT_PORT|TALLY_EDGE_MQTT_PORT.*TALLY_EDGE_ID/,
    );
  });

  it("runs in development on the loopback and in production beyond it, unless told", () => {
    expect(loadEdgeConfig({ TALLY_EDGE_MQTT_HOST: "0.0.0.0" }).mode).toBe("production");
    expect(loadEdgeConfig({ TALLY_EDGE_MQTT_HOST: "::1" }).mode).toBe("development");
    expect(loadEdgeConfig({ TALLY_EDGE_MQTT_URL: "mqtt://broker.lan:1883" }).mode).toBe("production");
    expect(loadEdgeConfig({ TALLY_MODE: "production" }).mode).toBe("production");
    expect(loadEdgeConfig({ TALLY_INSECURE: "true" }).insecure).toBe(true);
    expect(() => loadEdgeConfig({ TALLY_MODE: "test" })).toThrow(/TALLY_MODE/);
  });

  it("takes the device broker's credentials, TLS files and limits", () => {
    const config = loadEdgeConfig({
      TALLY_DEVICE_CREDENTIALS_FILE: "/etc/tally/devices.yaml",
      TALLY_EDGE_MQTT_TLS_CERT: "/etc/tally/edge.crt",
      TALLY_EDGE_MQTT_TLS_KEY: "/etc/tally/edge.key",
      TALLY_EDGE_MQTT_TLS_CA: "/etc/tally/ca.crt",
      TALLY_DEVICE_MAX_PACKET_BYTES: "65536",
      TALLY_DEVICE_MAX_MSG_RATE: "50",
    });
    expect(config.devices).toEqual({
      embedded: {
        host: "127.0.0.1",
        port: 1883,
        credentialsFile: "/etc/tally/devices.yaml",
        tls: { certFile: "/etc/tally/edge.crt", keyFile: "/etc/tally/edge.key", caFile: "/etc/tally/ca.crt" },
        maxPacketBytes: 65_536,
        maxMsgRate: 50,
      },
    });
    expect(() => loadEdgeConfig({ TALLY_EDGE_MQTT_TLS_CERT: "/x.crt" })).toThrow(/TALLY_EDGE_MQTT_TLS_KEY/);
    expect(
      loadEdgeConfig({
        TALLY_EDGE_MQTT_URL: "mqtt://127.0.0.1:1883",
        TALLY_EDGE_MQTT_USERNAME: "edge-1",
        TALLY_EDGE_MQTT_PASSWORD: "secret",
      }).devices,
    ).toEqual({ url: "mqtt://127.0.0.1:1883", username: "edge-1", password: "secret" });
  });
});
