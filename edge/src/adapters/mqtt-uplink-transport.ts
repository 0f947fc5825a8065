import { readFileSync } from "node:fs";
import { ackTopic, CommitAck, safeParseUntrusted, uplinkBatchTopic } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { BehaviorSubject, Subject } from "rxjs";
import type { OutgoingBatch, UplinkTransport } from "../ports/uplink-transport.js";
import { noDelay } from "./no-delay.js";

/**
 * Uplink over MQTT: batches published QoS 1 to the edge's batch topic,
 * acknowledgements read from its ack topic. mqtt.js queues publishes while
 * the connection is down and reconnects by itself; the sender resends what
 * is not acknowledged, so a lost PUBACK or a broker restart loses nothing.
 */
export function connectMqttUplink(options: {
  url: string;
  siteId: string;
  edgeId: string;
  /** The edge's credential at the cloud: the password of its user, which is its edge id. */
  token?: string | undefined;
  /** PEM file of the CA that signed the broker's certificate (mqtts://). */
  caFile?: string | undefined;
  logger: Logger;
  /** MQTT keepalive, s (default 60): a connection silent for 1.5 × this is dropped and redialled. */
  keepaliveS?: number;
}): UplinkTransport & { client: MqttClient } {
  const { siteId, edgeId, logger } = options;
  const acks$ = new Subject<CommitAck>();
  const connected$ = new BehaviorSubject(false);
  // Not connectAsync: the edge must start, and keep its outbox filling, while the cloud's broker is away.
  const client = mqtt.connect(options.url, {
    clientId: `tally-edge-${edgeId}-uplink`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: options.keepaliveS ?? 60,
    ...(options.token !== undefined && { username: edgeId, password: options.token }),
    ...(options.caFile !== undefined && { ca: readFileSync(options.caFile) }),
  });
  noDelay(client);
  let warned = false;
  client.on("error", (error) => {
    if (!warned) logger.warn({ err: error.message }, "uplink MQTT error; retrying");
    warned = true;
  });
  client.on("reconnect", () => logger.debug("uplink MQTT reconnecting"));
  client.on("connect", () => {
    warned = false;
    // A clean session forgets subscriptions: subscribe on every connect, then say the uplink is usable.
    client.subscribe(ackTopic(siteId, edgeId), { qos: 1 }, (error) => {
      if (error) logger.warn({ err: error.message }, "uplink: cannot subscribe to acknowledgements");
      else connected$.next(true);
    });
  });
  client.on("close", () => {
    if (connected$.value) connected$.next(false);
  });
  client.on("message", (topic, payload) => {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      logger.warn({ topic }, "uplink: acknowledgement is not JSON");
      return;
    }
    const ack = safeParseUntrusted(CommitAck, json);
    if (!ack.success) {
      logger.warn({ topic }, "uplink: malformed acknowledgement");
      return;
    }
    acks$.next(ack.data);
  });
  const topic = uplinkBatchTopic(siteId, edgeId);
  return {
    client,
    acks$: acks$.asObservable(),
    connected$: connected$.asObservable(),
    send: async (batch: OutgoingBatch) => {
      // Never queue inside mqtt.js while offline: the outbox is the queue, and the sender resends on reconnect.
      if (!connected$.value) throw new Error("uplink is not connected");
      await client.publishAsync(topic, JSON.stringify(batch), { qos: 1 });
    },
    close: async () => {
      acks$.complete();
      connected$.complete();
      await client.endAsync(true);
    },
  };
}
