import mqtt from "mqtt";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startEmbeddedBroker } from "./aedes-broker.js";

const logger = pino({ level: "silent" });

describe("startEmbeddedBroker backpressure", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("withholds a device's PUBACK while held, and lets the message through once released", async () => {
    let held = true;
    const broker = await startEmbeddedBroker({
      host: "127.0.0.1",
      port: 0,
      logger,
      holdPublish: (id) => id === "device" && held,
    });
    stops.push(() => broker.close());
    const edge = await mqtt.connectAsync(broker.url, { clientId: "edge" });
    stops.push(() => edge.endAsync());
    const received: string[] = [];
    edge.on("message", (_t, p) => received.push(p.toString()));
    await edge.subscribeAsync("t/#", { qos: 1 });
    const device = await mqtt.connectAsync(broker.url, { clientId: "device" });
    stops.push(() => device.endAsync(true));

    let acked = false;
    const publish = device.publishAsync("t/1", "reading", { qos: 1 }).then(() => {
      acked = true;
    });
    // Another client is never held.
    await edge.publishAsync("t/2", "from-edge", { qos: 1 });
    await expect.poll(() => received).toEqual(["from-edge"]);
    // The device's message went out before the edge's, and is still waiting.
    expect(acked).toBe(false);

    held = false;
    await publish;
    expect(acked).toBe(true);
    await expect.poll(() => received).toEqual(["from-edge", "reading"]);
  });
});
