import { startSimulators } from "@tally/simulators";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { testLogger } from "../support/quiet-logger.js";
import { type SecureEdge, startSecureEdge } from "./support/secure-edge.js";

describe("simulated devices against an edge in production mode", () => {
  let secure: SecureEdge | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await secure?.close();
    secure = undefined;
  });

  it("each log in as themselves with their credentials, and what they send is taken", async () => {
    secure = await startSecureEdge();
    const sims = await startSimulators({
      site: secure.site,
      mqttUrl: secure.edge.deviceMqttUrl,
      logger: testLogger(),
      heartbeatMs: 50,
      deviceCredentials: secure.passwords,
    });
    stops.push(() => sims.close());
    const mqttDevices = secure.site.devices.length;
    const edge = secure.edge;
    // Heartbeats from every device (each is a message the edge received), and nothing refused.
    await eventually(
      () => edge.metrics().messagesReceived,
      (n) => n >= 3 * mqttDevices,
      { what: "heartbeats from the simulated devices" },
    );
    expect(edge.metrics().mqttRefused).toEqual({});
    expect(edge.metrics().deadLetters).toEqual({});
  });

  it("cannot start without credentials: the edge refuses anonymous devices", async () => {
    secure = await startSecureEdge();
    await expect(
      startSimulators({ site: secure.site, mqttUrl: secure.edge.deviceMqttUrl, logger: testLogger() }),
    ).rejects.toMatchObject({ code: "TALLY_ERR_SIM_START" });
    expect(secure.edge.metrics().mqttRefused.anonymous).toBeGreaterThan(0);
  });
});
