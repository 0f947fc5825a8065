import { ackTopic, CommitAck } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";

/** An edge-like MQTT test client that collects the acks for one edge. */
export async function connectEdgeClient(
  url: string,
  siteId = "S1",
  edgeId = "edge-1",
  /** The edge's token: it logs in as its edge id with it. */
  token?: string,
): Promise<{ client: MqttClient; nextAck(): Promise<CommitAck>; close(): Promise<void> }> {
  const client = await mqtt.connectAsync(url, {
    reconnectPeriod: 0,
    ...(token !== undefined && { username: edgeId, password: token }),
  });
  const acks: CommitAck[] = [];
  const waiting: ((ack: CommitAck) => void)[] = [];
  client.on("message", (_topic, payload) => {
    const ack = CommitAck.parse(JSON.parse(payload.toString("utf8")));
    const waiter = waiting.shift();
    if (waiter) waiter(ack);
    else acks.push(ack);
  });
  await client.subscribeAsync(ackTopic(siteId, edgeId), { qos: 1 });
  return {
    client,
    nextAck: () => {
      const ack = acks.shift();
      if (ack !== undefined) return Promise.resolve(ack);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () => client.endAsync(true),
  };
}
