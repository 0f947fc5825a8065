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
}): Promise<MqttDeviceSource> {
  const { siteId, logger } = options;
  const messages$ = new Subject<RawDeviceMessage>();
  const client: MqttClient = await mqtt.connectAsync(options.url, {
    clientId: `tally-edge-${options.edgeId}-devices`,
    clean: true,
    reconnectPeriod: 1000,
  });
  noDelay(client);
  client.on("error", (error) => logger.warn({ err: error.message }, "device MQTT error"));
  client.on("message", (topic, payload) => messages$.next({ topic, payload }));
  await client.subscribeAsync(deviceSubscription(siteId), { qos: 1 });
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
