import { ackTopic, CommitAck, uplinkBatchTopic } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { Subject } from "rxjs";
import type { OutgoingBatch, UplinkTransport } from "../ports/uplink-transport.js";
import { noDelay } from "./no-delay.js";

/**
 * Uplink over MQTT: batches published QoS 1 to the edge's batch topic,
 * acknowledgements read from its ack topic. mqtt.js queues publishes while
 * the connection is down and reconnects by itself; the sender resends what
 * is not acknowledged, so a lost PUBACK or a broker restart loses nothing.
 */
export async function connectMqttUplink(options: {
  url: string;
  siteId: string;
  edgeId: string;
  logger: Logger;
}): Promise<UplinkTransport & { client: MqttClient }> {
  const { siteId, edgeId, logger } = options;
  const acks$ = new Subject<CommitAck>();
  const client = await mqtt.connectAsync(options.url, {
    clientId: `tally-edge-${edgeId}-uplink`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  noDelay(client);
  client.on("error", (error) => logger.warn({ err: error.message }, "uplink MQTT error"));
  client.on("reconnect", () => logger.debug("uplink MQTT reconnecting"));
  client.on("message", (topic, payload) => {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      logger.warn({ topic }, "uplink: acknowledgement is not JSON");
      return;
    }
    const ack = CommitAck.safeParse(json);
    if (!ack.success) {
      logger.warn({ topic }, "uplink: malformed acknowledgement");
      return;
    }
    acks$.next(ack.data);
  });
  await client.subscribeAsync(ackTopic(siteId, edgeId), { qos: 1 });
  const topic = uplinkBatchTopic(siteId, edgeId);
  return {
    client,
    acks$: acks$.asObservable(),
    send: async (batch: OutgoingBatch) => {
      await client.publishAsync(topic, JSON.stringify(batch), { qos: 1 });
    },
    close: async () => {
      acks$.complete();
      await client.endAsync(true);
    },
  };
}
