import { deadLetterTopic, deviceSubscription } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { Subject } from "rxjs";
import type { Observation } from "../domain/observation.js";
import type { DeviceSource } from "../ports/device-source.js";
import { noDelay } from "./no-delay.js";

/** A rejected device message as published on the dead-letter topic. */
export interface DeadLetter {
  topic: string;
  deviceId?: string | undefined;
  code: string;
  reason: string;
  bytes: number;
  /** The first 256 bytes of the payload, as UTF-8 text with bad bytes replaced. */
  payloadPreview: string;
  receivedAt: string;
}

export interface MqttDeviceSource extends DeviceSource {
  publishDeadLetter(letter: DeadLetter): void;
}

/**
 * Subscribes to every device topic of a site on an external device broker
 * and hands each message to `accept` (which journals and decodes it), then
 * emits the observations it returns. The session is
 * persistent (`clean: false`, a fixed client id), so the broker keeps what
 * devices publish while the edge is down; each message is acknowledged to the
 * broker only once `accept` resolves (the edge has journalled it). When
 * `accept` fails the connection is dropped, and the broker sends the
 * unacknowledged message again after the reconnect.
 */
export async function connectMqttDeviceSource(options: {
  url: string;
  siteId: string;
  edgeId: string;
  /** The edge's own login on the device broker. */
  username?: string | undefined;
  password?: string | undefined;
  logger: Logger;
  /** How long start waits for the broker before going on without it, ms. */
  readyTimeoutMs?: number;
  /** Takes each message and returns its observations; the broker gets its PUBACK once they are emitted. */
  accept: (topic: string, payload: Buffer) => Promise<readonly Observation[]>;
}): Promise<MqttDeviceSource> {
  const { siteId, logger } = options;
  const observations$ = new Subject<Observation>();
  let received = 0;
  let reconnects = 0;
  // Not connectAsync: an external device broker that is down at start must not stop the edge.
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: `tally-edge-${options.edgeId}-devices`,
    clean: false,
    reconnectPeriod: 1000,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
  });
  noDelay(client);
  let warned = false;
  client.on("error", (error) => {
    if (!warned) logger.warn({ err: error.message }, "device MQTT error; retrying");
    warned = true;
  });
  client.on("offline", () => {
    reconnects++;
  });
  client.handleMessage = (packet, done) => {
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    received++;
    options.accept(packet.topic, payload).then(
      (observations) => {
        for (const observation of observations) observations$.next(observation);
        done();
      },
      (error: unknown) => {
        logger.warn(
          { err: (error as Error).message },
          "device message not taken; reconnecting so the broker resends it",
        );
        client.stream?.destroy();
        done(error as Error);
      },
    );
  };
  const subscribed = new Promise<boolean>((resolve) => {
    // Subscribe on every connect: a new or expired session has no subscription.
    client.on("connect", () => {
      warned = false;
      client.subscribe(deviceSubscription(siteId), { qos: 1 }, (error) => {
        if (error) logger.warn({ err: error.message }, "cannot subscribe to device topics");
        else resolve(true);
      });
    });
  });
  // Start listening as soon as the broker answers; past the wait, go on and keep retrying.
  const ready = await Promise.race([
    subscribed,
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.readyTimeoutMs ?? 5000).unref()),
  ]);
  if (!ready) logger.warn({ url: options.url }, "device broker not reachable yet; the edge keeps trying");
  return {
    id: "mqtt",
    observations$,
    // Past the wait the edge goes on without the broker: the source counts as started either way.
    ready: Promise.resolve(),
    metrics: () => ({ received, refused: {}, reconnects }),
    publishDeadLetter: (letter) => {
      client.publish(deadLetterTopic(siteId, letter.deviceId), JSON.stringify(letter), { qos: 0 });
    },
    close: async () => {
      observations$.complete();
      await client.endAsync(true);
    },
  };
}
