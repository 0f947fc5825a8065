import { deviceTopic } from "@tally/protocols";
import mqtt from "mqtt";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connectMqttDevice } from "./mqtt-device.js";
import { startBroker } from "./test-support.js";

const logger = pino({ level: "silent" });

describe("connectMqttDevice for a device without heartbeats", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("says online on each connect, sends no periodic heartbeat, and its will fires when it drops", async () => {
    const broker = await startBroker();
    stops.push(() => broker.close());
    const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    stops.push(() => watcher.endAsync(true));
    const seen: { topic: string; body: unknown }[] = [];
    watcher.on("message", (topic, payload) => seen.push({ topic, body: JSON.parse(payload.toString()) }));
    await watcher.subscribeAsync("tally/v1/DEMO/dev/+/hb", { qos: 1 });
    const of = (deviceId: string) =>
      seen.filter((m) => m.topic === deviceTopic("DEMO", deviceId, "hb")).map((m) => m.body);

    const device = (deviceId: string, heartbeats: boolean) =>
      connectMqttDevice({ url: broker.url, siteId: "DEMO", deviceId, logger, heartbeatMs: 20, heartbeats });
    const portal = await device("portal-d1", false);
    stops.push(() => portal.close());
    await vi.waitFor(() => expect(of("portal-d1")).toHaveLength(1));
    // A device with heartbeats at the same period, for comparison: five of its beats, none from the portal.
    const scanner = await device("scanner-1", true);
    stops.push(() => scanner.close());
    await vi.waitFor(() => expect(of("scanner-1").length).toBeGreaterThanOrEqual(5));
    expect(of("portal-d1")).toEqual([{ status: "online", sentAt: expect.any(String) }]);

    portal.setHeartbeats(false);
    await vi.waitFor(() => expect(of("portal-d1")).toHaveLength(2));
    expect(of("portal-d1")[1]).toEqual({ status: "offline" });

    portal.setHeartbeats(true);
    await vi.waitFor(() => expect(of("portal-d1")).toHaveLength(3));
    expect(of("portal-d1")[2]).toMatchObject({ status: "online" });
  });
});
