import { deadLetterTopic, deviceSubscription } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { Subject } from "rxjs";
import { noDelay } from "./no-delay.js";

/** A raw message from a device topic. */
export interface RawDeviceMessage {
  topic: string;
  payload: Buffer;
}

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

export interface MqttDeviceSource {
  messages$: Subject<RawDeviceMessage>;
  publishDeadLetter(letter: DeadLetter): void;
  close(): Promise<void>;
}

/**
 * Subscribes to every device topic of a site on the device broker (embedded
 * or external) and hands messages on raw: decoding happens in the domain.
 */
export async function connectMqttDeviceSource(options: {
  url: string;
  siteId: string;
  edgeId: string;
  logger: Logger;
  /** How long start waits for the broker before going on without it, ms. */
  readyTimeoutMs?: number;
}): Promise<MqttDeviceSource> {
  const { siteId, logger } = options;
  const messages$ = new Subject<RawDeviceMessage>();
  // Not connectAsync: an external device broker that is down at start must not stop the edge.
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: `tally-edge-${options.edgeId}-devices`,
    clean: true,
    reconnectPeriod: 1000,
  });
  noDelay(client);
  let warned = false;
  client.on("error", (error) => {
    if (!warned) logger.warn({ err: error.message }, "device MQTT error; retrying");
    warned = true;
  });
  client.on("message", (topic, payload) => messages$.next({ topic, payload }));
  const subscribed = new Promise<boolean>((resolve) => {
    // A clean session forgets subscriptions: subscribe on every connect.
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
    messages$,
    publishDeadLetter: (letter) => {
      client.publish(deadLetterTopic(siteId, letter.deviceId), JSON.stringify(letter), { qos: 0 });
    },
    close: async () => {
      messages$.complete();
      await client.endAsync(true);
    },
  };
}
