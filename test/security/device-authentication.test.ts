import { Writable } from "node:stream";
import { EdgeStartError, startEdge } from "@tally/edge";
import { deviceTopic } from "@tally/protocols";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import {
  attackSite,
  connectOutcome,
  grantedQos,
  publishOutcome,
  receiptScan,
  type SecureEdge,
  startSecureEdge,
} from "./support/secure-edge.js";

/** MQTT 3.1.1 §3.2.2.3 CONNACK return codes. */
const IDENTIFIER_REJECTED = 2;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

describe("device authentication on the edge's broker", () => {
  let secure: SecureEdge | undefined;
  afterEach(async () => {
    await secure?.close();
    secure = undefined;
  });

  it("refuses anonymous devices, wrong passwords and devices the site file does not have (production)", async () => {
    secure = await startSecureEdge();
    const url = secure.edge.deviceMqttUrl;
    expect(await connectOutcome(url, { clientId: "anon" })).toBe(NOT_AUTHORIZED);
    expect(await connectOutcome(url, { clientId: "guess", username: "scanner-1", password: "guess" })).toBe(
      BAD_CREDENTIALS,
    );
    // scanner-2's password is no key to scanner-1.
    expect(
      await connectOutcome(url, { clientId: "swap", username: "scanner-1", password: secure.passwords["scanner-2"] }),
    ).toBe(BAD_CREDENTIALS);
    expect(await connectOutcome(url, { clientId: "ghost", username: "ghost", password: "x" })).toBe(BAD_CREDENTIALS);
    expect(secure.edge.metrics().mqttRefused).toEqual({ anonymous: 1, "bad-credentials": 2, "unknown-device": 1 });

    // A device with its own password gets in, and what it publishes reaches the edge.
    const scanner = await secure.connect("scanner-1");
    await scanner.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), receiptScan(), { qos: 1 });
    await eventually(
      () => secure?.edge.metrics().observations ?? 0,
      (n) => n === 1,
      { what: "the scan observed" },
    );
  });

  it("warns once for a device retrying a bad password, and counts every try", async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString());
          callback();
        },
      }),
    );
    secure = await startSecureEdge({ logger });
    for (let i = 0; i < 3; i++) {
      const outcome = await connectOutcome(secure.edge.deviceMqttUrl, {
        clientId: `guess-${i}`,
        username: "scanner-1",
        password: `guess-${i}`,
      });
      expect(outcome).toBe(BAD_CREDENTIALS);
    }
    expect(secure.edge.metrics().mqttRefused["bad-credentials"]).toBe(3);
    expect(lines.filter((l) => l.includes("device broker refused"))).toHaveLength(1);
  });

  it("no longer trusts the `tally-edge-` client id prefix", async () => {
    secure = await startSecureEdge();
    const url = secure.edge.deviceMqttUrl;
    // Once, a client calling itself the edge was let in, never held and its data never looked at.
    expect(await connectOutcome(url, { clientId: "tally-edge-edge-sec-devices" })).toBe(NOT_AUTHORIZED);
    const scanner = await secure.connect("scanner-1", { clientId: "tally-edge-edge-sec" });
    // With the prefix, a device's publish is still that device's data...
    await scanner.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), receiptScan(), { qos: 1 });
    await eventually(
      () => secure?.edge.metrics().messagesReceived ?? 0,
      (n) => n === 1,
      { what: "the scan taken as scanner-1's data" },
    );
    // ...and no licence to publish as another device.
    expect(await publishOutcome(scanner, deviceTopic("DEMO", "portal-d1", "read"), "{}")).toBe("closed");
    expect(secure.edge.metrics().mqttRefused["publish-other-device"]).toBe(1);
    expect(secure.edge.metrics().messagesReceived).toBe(1);
  });

  it("does not let one device take over another's session by its client id", async () => {
    secure = await startSecureEdge();
    await secure.connect("scanner-1", { clientId: "dock-scanner" });
    expect(
      await connectOutcome(secure.edge.deviceMqttUrl, {
        clientId: "dock-scanner",
        username: "scanner-2",
        password: secure.passwords["scanner-2"],
      }),
    ).toBe(IDENTIFIER_REJECTED);
    expect(secure.edge.metrics().mqttRefused["client-id-taken"]).toBe(1);
  });

  it("refuses to start in production without credentials, naming what to set", async () => {
    const start = startEdge({
      site: await attackSite(),
      edgeId: "edge-open",
      mode: "production",
      devices: { embedded: { port: 0 } },
      uplink: { mqttUrl: "mqtt://127.0.0.1:1" },
      logger: pino({ level: "silent" }),
    });
    await expect(start).rejects.toBeInstanceOf(EdgeStartError);
    await expect(start).rejects.toMatchObject({
      code: "TALLY_ERR_EDGE_INSECURE",
      message: expect.stringMatching(/TALLY_DEVICE_CREDENTIALS_FILE.*TALLY_INSECURE=true/),
    });
    const beyondLoopback = startEdge({
      site: await attackSite(),
      edgeId: "edge-open",
      mode: "production",
      devices: { embedded: { host: "0.0.0.0", port: 0, credentialsFile: "/nonexistent" } },
      uplink: { mqttUrl: "mqtt://127.0.0.1:1" },
      logger: pino({ level: "silent" }),
    });
    await expect(beyondLoopback).rejects.toMatchObject({ message: expect.stringMatching(/TALLY_EDGE_MQTT_TLS_CERT/) });
  });

  it("accepts anonymous devices in development on the loopback, for the site's devices only, and says so", async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString());
          callback();
        },
      }),
    );
    const edge = await startEdge({
      site: await attackSite(),
      edgeId: "edge-dev",
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { mqttUrl: "mqtt://127.0.0.1:1" },
      logger,
    });
    try {
      expect(lines.some((l) => l.includes("development mode: anonymous devices accepted on the loopback only"))).toBe(
        true,
      );
      const mqtt = await import("mqtt");
      const device = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "anon-dev", reconnectPeriod: 0 });
      await device.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), receiptScan(), { qos: 1 });
      await eventually(
        () => edge.metrics().messagesReceived,
        (n) => n === 1,
        { what: "the anonymous scan received" },
      );
      expect(await grantedQos(device, "#")).toBe(128);
      expect(await grantedQos(device, "tally/v1/DEMO/dead-letter/#")).toBe(1);
      expect(await publishOutcome(device, deviceTopic("DEMO", "ghost", "scan"), receiptScan())).toBe("closed");
      expect(edge.metrics().mqttRefused).toMatchObject({ "subscribe-topic": 1, "publish-other-device": 1 });
      await device.endAsync(true);
    } finally {
      await edge.close();
    }
  });
});
