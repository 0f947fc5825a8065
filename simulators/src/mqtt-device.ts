import { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type DeviceChannel, deviceTopic, type HeartbeatMessage } from "@tally/protocols";
import { connectAsync, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";

/** How long `close` waits for unacknowledged messages, ms. */
const CLOSE_DRAIN_MS = 2000;

/** One simulated device with its own MQTT session. */
export interface MqttDevice {
  readonly deviceId: string;
  /** Publishes a device message (JSON, QoS 1); resolves on the broker's PUBACK. */
  publish(channel: DeviceChannel, message: object): Promise<void>;
  /** Publishes the broker has acknowledged so far, heartbeats included. */
  acknowledged(): number;
  /**
   * Stops (false) or resumes (true) heartbeats: an offline or dead device is
   * silent. A device without heartbeats loses its connection instead (no
   * DISCONNECT, so its will fires) and reconnects on resume.
   */
  setHeartbeats(on: boolean): void;
  /** Stops heartbeats, waits for messages in flight and disconnects. */
  close(): Promise<void>;
}

export interface MqttDeviceOptions {
  url: string;
  siteId: string;
  deviceId: string;
  logger: Logger;
  /** Heartbeat period, ms (wall clock, whatever the play speed). */
  heartbeatMs: number;
  /**
   * False for a device the site file declares `heartbeat: false`: no periodic
   * heartbeat, an `online` birth message on each connect and an `offline` will.
   */
  heartbeats?: boolean | undefined;
  /** The device's MQTT password (its username is its id); anonymous without. */
  password?: string | undefined;
  /** TLS options for an `mqtts://` broker: the CA to trust, and a client certificate and key (PEM). */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer } | undefined;
}

/** A device's MQTT will: the broker publishes it on `hb` when the connection dies without a DISCONNECT. */
const OFFLINE = JSON.stringify({ status: "offline" } satisfies HeartbeatMessage);

/** Connects a device to the broker; rejects if the first connection fails. */
export async function connectMqttDevice(options: MqttDeviceOptions): Promise<MqttDevice> {
  const { url, siteId, deviceId, logger, heartbeatMs } = options;
  const heartbeats = options.heartbeats ?? true;
  const log = logger.child({ deviceId });
  let client: MqttClient;
  try {
    client = await connectAsync(
      url,
      {
        clientId: `tally-sim-${siteId}-${deviceId}`,
        protocolVersion: 4,
        clean: true,
        keepalive: 30,
        reconnectPeriod: 1000,
        ...(heartbeats
          ? {}
          : {
              will: {
                topic: deviceTopic(siteId, deviceId, "hb"),
                payload: Buffer.from(OFFLINE),
                qos: 1,
                retain: false,
              },
            }),
        connectTimeout: 10_000,
        ...(options.password !== undefined ? { username: deviceId, password: options.password } : {}),
        ...options.tls,
      },
      false,
    );
  } catch (cause) {
    throw new SimulatorError(
      SimulatorErrorCode.StartFailed,
      `device ${deviceId}: cannot connect to ${url}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const noDelay = (): void => {
    // mqtt.js leaves Nagle on: 40 ms stalls per small QoS 1 message otherwise.
    if (client.stream instanceof Socket) client.stream.setNoDelay(true);
  };
  noDelay();
  client.on("connect", noDelay);
  client.on("error", (err) => log.warn({ err }, "mqtt error"));
  client.on("offline", () => log.warn("mqtt offline; reconnecting"));

  const inFlight = new Set<Promise<void>>();
  const startedAt = Date.now();
  let acknowledged = 0;
  const publish = (channel: DeviceChannel, message: object): Promise<void> => {
    const sent = client
      .publishAsync(deviceTopic(siteId, deviceId, channel), JSON.stringify(message), { qos: 1 })
      .then(() => {
        acknowledged++;
      });
    inFlight.add(sent);
    const forget = (): void => {
      inFlight.delete(sent);
    };
    sent.then(forget, forget);
    return sent;
  };
  const heartbeat = (): void => {
    const message: HeartbeatMessage = {
      sentAt: new Date().toISOString(),
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
    };
    publish("hb", message).catch((err: unknown) => log.warn({ err }, "heartbeat not sent"));
  };
  const birth = (): void => {
    const message: HeartbeatMessage = { status: "online", sentAt: new Date().toISOString() };
    publish("hb", message).catch((err: unknown) => log.warn({ err }, "birth message not sent"));
  };
  let timer: NodeJS.Timeout | undefined;
  if (heartbeats) {
    heartbeat();
    timer = setInterval(heartbeat, heartbeatMs);
  } else {
    // Says it is up on every connect: behind an external broker that is all the edge sees of it.
    birth();
    client.on("connect", birth);
  }
  log.debug({ url, heartbeats }, "device connected");

  return {
    deviceId,
    publish,
    acknowledged: () => acknowledged,
    setHeartbeats(on) {
      if (!heartbeats) {
        // Force: the socket goes without a DISCONNECT, as when a reader loses power.
        if (!on && client.connected) client.end(true);
        else if (on && !client.connected) client.reconnect();
        return;
      }
      clearInterval(timer);
      timer = on ? setInterval(heartbeat, heartbeatMs) : undefined;
    },
    async close() {
      clearInterval(timer);
      // Let acknowledged-soon messages finish, but never hang on a broker that is gone.
      const drained = Promise.allSettled([...inFlight]).then(() => true);
      const timedOut = sleep(CLOSE_DRAIN_MS, false, { ref: false });
      const clean = await Promise.race([drained, timedOut]);
      if (!clean) log.warn({ pending: inFlight.size }, "closing with messages not acknowledged");
      await client.endAsync(!clean);
    },
  };
}
