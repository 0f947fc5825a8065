import { deviceTopic } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { type SecureEdge, startSecureEdge } from "./support/secure-edge.js";

describe("a device flooding the edge", () => {
  let secure: SecureEdge | undefined;
  afterEach(async () => {
    await secure?.close();
    secure = undefined;
  });

  it("is held to its rate (no PUBACK past it) and loses nothing", async () => {
    const rate = 100;
    secure = await startSecureEdge({ embedded: { maxMsgRate: rate } });
    const flooder = await secure.connect("scanner-1");
    const calm = await secure.connect("scanner-2");
    const total = 300;
    const started = Date.now();
    let acked = 0;
    const topic = deviceTopic("DEMO", "scanner-1", "hb");
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      sends.push(
        flooder.publishAsync(topic, JSON.stringify({ sentAt: new Date().toISOString() }), { qos: 1 }).then(() => {
          acked++;
        }),
      );
    }
    // The burst (one second's worth) goes at once; the 20 after it take a token each, 10 ms apart at 100/s.
    await eventually(
      () => acked,
      (n) => n >= rate + 20,
      { intervalMs: 5, what: "the burst and 20 more acknowledged" },
    );
    const elapsedMs = Date.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(150);
    // Unlimited, 300 small QoS 1 publishes on the loopback are acknowledged in a few tens of ms.
    expect(acked).toBeLessThanOrEqual(rate + Math.ceil((rate * elapsedMs) / 1000) + 10);
    // Another device is not slowed by it.
    await calm.publishAsync(
      deviceTopic("DEMO", "scanner-2", "hb"),
      JSON.stringify({ sentAt: new Date().toISOString() }),
      {
        qos: 1,
      },
    );
    expect(acked).toBeLessThan(total);

    // Held, not dropped: every message arrives in the end.
    await Promise.all(sends);
    const edge = secure.edge;
    await eventually(
      () => edge.metrics().messagesReceived,
      (n) => n === total + 1,
      { what: "every held message received" },
    );
    // Each held publish counted once: at most the ones past the burst.
    expect(edge.metrics().mqttRateLimited).toBeGreaterThan(0);
    expect(edge.metrics().mqttRateLimited).toBeLessThanOrEqual(total - rate);
    expect(Date.now() - started).toBeGreaterThanOrEqual(((total - rate) / rate) * 1000 - 200);
    const text = await (await fetch(edge.metricsUrl ?? "")).text();
    expect(text).toMatch(/tally_edge_mqtt_rate_limited_total [1-9]/);
  });

  it("gives a device no fresh burst for reconnecting", async () => {
    const rate = 50;
    secure = await startSecureEdge({ embedded: { maxMsgRate: rate } });
    const heartbeat = () => JSON.stringify({ sentAt: new Date().toISOString() });
    const topic = deviceTopic("DEMO", "scanner-1", "hb");
    const first = await secure.connect("scanner-1");
    // The whole burst (one second's worth), spent at once.
    await Promise.all(Array.from({ length: rate }, () => first.publishAsync(topic, heartbeat(), { qos: 1 })));
    await first.endAsync();
    const second = await secure.connect("scanner-1");
    const started = Date.now();
    await Promise.all(Array.from({ length: 25 }, () => second.publishAsync(topic, heartbeat(), { qos: 1 })));
    // 25 more at 50 a second take up to 500 ms (less what refilled while reconnecting, with its scrypt
    // check); a fresh burst would let them through in a few ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});
