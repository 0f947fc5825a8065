import { deviceTopic } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { publishOutcome, receiptScan, type SecureEdge, startSecureEdge } from "./support/secure-edge.js";

describe("a device publishing as another device", () => {
  let secure: SecureEdge | undefined;
  afterEach(async () => {
    await secure?.close();
    secure = undefined;
  });

  it("is refused: no movement for the device it names, and the refusal is counted", async () => {
    secure = await startSecureEdge();
    const edge = secure.edge;
    // scanner-2, logged in with its own password, claims to be scanner-1.
    const impostor = await secure.connect("scanner-2");
    expect(await publishOutcome(impostor, deviceTopic("DEMO", "scanner-1", "scan"), receiptScan())).toBe("closed");
    // The same device on its own topic is heard, which shows the refusal is about the name, not the device.
    const honest = await secure.connect("scanner-2");
    expect(await publishOutcome(honest, deviceTopic("DEMO", "scanner-2", "scan"), receiptScan())).toBe("acked");
    await eventually(
      () => edge.metrics(),
      (m) => m.eventsQueued >= 1,
      { what: "scanner-2's own receipt queued" },
    );
    const metrics = edge.metrics();
    expect(metrics.messagesReceived).toBe(1);
    expect(metrics.observations).toBe(1);
    expect(metrics.mqttRefused).toEqual({ "publish-other-device": 1 });

    // A device on a channel its kind does not use, and on topics that are no device's, is refused too.
    const scanner = await secure.connect("scanner-1");
    expect(await publishOutcome(scanner, deviceTopic("DEMO", "scanner-1", "read"), "{}")).toBe("closed");
    const again = await secure.connect("scanner-1");
    expect(await publishOutcome(again, "tally/v1/DEMO/edge/edge-sec/ack", "{}")).toBe("closed");
    expect(edge.metrics().mqttRefused).toEqual({
      "publish-other-device": 1,
      "publish-channel": 1,
      "publish-topic": 1,
    });
    expect(edge.metrics().messagesReceived).toBe(1);

    // Prometheus sees the refusals by reason.
    const text = await (await fetch(edge.metricsUrl ?? "")).text();
    expect(text).toMatch(/tally_edge_mqtt_refused_total\{reason="publish-other-device"\} 1/);
  });
});
