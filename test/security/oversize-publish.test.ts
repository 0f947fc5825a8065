import { connect, type Socket } from "node:net";
import { startAedesBroker } from "@tally/cloud";
import { deviceTopic } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { testLogger } from "../support/quiet-logger.js";
import { connectPacket, publishHead } from "./support/raw-mqtt.js";
import { type SecureEdge, startSecureEdge } from "./support/secure-edge.js";

const MB = 1024 * 1024;

/**
 * Logs in (CONNACK), announces a 200 MB PUBLISH and keeps writing its body in
 * 64 KiB chunks, as fast as the socket takes them, until the server closes
 * the connection or the body is all sent. Says how much was written and
 * whether anything but the CONNACK came back (a PUBACK would).
 */
async function sendHugePublish(
  url: string,
  login: { username: string; password: string } | undefined,
  topic: string,
): Promise<{ bodyBytesWritten: number; closedEarly: boolean; answers: number }> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const received: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => received.push(chunk));
  socket.write(connectPacket("huge-publisher", login));
  await eventually(
    () => Buffer.concat(received),
    (b) => b.length >= 4,
    { what: "CONNACK" },
  );
  const connack = Buffer.concat(received);
  expect(connack[0]).toBe(0x20);
  expect(connack[3]).toBe(0);
  received.length = 0;
  let closed = false;
  socket.once("close", () => {
    closed = true;
  });
  const total = 200 * MB;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  socket.write(publishHead(topic, total));
  while (written < total && !closed) {
    const more = socket.write(chunk);
    written += chunk.length;
    if (!more) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off("drain", done);
          socket.off("close", done);
          resolve();
        };
        socket.on("drain", done);
        socket.on("close", done);
      });
    }
  }
  socket.end();
  await eventually(
    () => closed,
    (c) => c,
    { what: "the connection closed" },
  );
  return { bodyBytesWritten: written, closedEarly: written < total, answers: Buffer.concat(received).length };
}

describe("a 200 MB publish", () => {
  let secure: SecureEdge | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await secure?.close();
    secure = undefined;
  });

  it("is refused by the edge's device broker from its header: connection closed, nothing journalled, no PUBACK", async () => {
    secure = await startSecureEdge();
    const rssBefore = process.memoryUsage().rss;
    const outcome = await sendHugePublish(
      secure.edge.deviceMqttUrl,
      { username: "scanner-1", password: secure.passwords["scanner-1"] ?? "" },
      deviceTopic("DEMO", "scanner-1", "scan"),
    );
    // The server closed the socket long before the client could finish writing.
    expect(outcome.closedEarly).toBe(true);
    expect(outcome.bodyBytesWritten).toBeLessThan(32 * MB);
    expect(outcome.answers).toBe(0);
    const metrics = secure.edge.metrics();
    expect(metrics.mqttRefused).toEqual({ "packet-too-large": 1 });
    expect(metrics.messagesReceived).toBe(0);
    // Memory stays bounded: nowhere near the 200 MB announced (the edge runs in this process).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * MB);
    const text = await (await fetch(secure.edge.metricsUrl ?? "")).text();
    expect(text).toMatch(/tally_edge_mqtt_refused_total\{reason="packet-too-large"\} 1/);
  });

  it("is refused from an anonymous development client too", async () => {
    secure = await startSecureEdge({ mode: "development" });
    const outcome = await sendHugePublish(
      secure.edge.deviceMqttUrl,
      undefined,
      deviceTopic("DEMO", "scanner-1", "scan"),
    );
    expect(outcome.closedEarly).toBe(true);
    expect(secure.edge.metrics().messagesReceived).toBe(0);
  });

  it("is refused by the cloud's broker from its header", async () => {
    const broker = await startAedesBroker({ port: 0, logger: testLogger() });
    stops.push(() => broker.close());
    const outcome = await sendHugePublish(broker.url, undefined, "tally/v1/DEMO/edge/edge-1/batch");
    expect(outcome.closedEarly).toBe(true);
    expect(outcome.bodyBytesWritten).toBeLessThan(32 * MB);
    expect(outcome.answers).toBe(0);
  });
});
