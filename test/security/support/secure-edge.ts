import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EdgeOptions, hashPassword, type RunningEdge, startEdge, startEmbeddedBroker } from "@tally/edge";
import type { SiteLayout } from "@tally/protocols";
import { readSiteFile } from "@tally/simulators";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { DEMO_SITE_FILE } from "../../support/demo-site.js";
import { testLogger } from "../../support/quiet-logger.js";

type Embedded = Extract<EdgeOptions["devices"], { embedded: unknown }>["embedded"];

export interface SecureEdge {
  edge: RunningEdge;
  site: SiteLayout;
  /** Each device's password, as `tally device credential` would print it. */
  passwords: Record<string, string>;
  credentialsFile: string;
  dir: string;
  /** Connects as a device (username = its id) with its password; options override. */
  connect(deviceId: string | undefined, options?: IClientOptions): Promise<MqttClient>;
  close(): Promise<void>;
}

/** The demo site without its OPC-UA shelf, with a second scanner so that two devices of one kind can be played. */
export async function attackSite(): Promise<SiteLayout> {
  const demo = await readSiteFile(DEMO_SITE_FILE);
  return {
    ...demo,
    devices: [
      ...demo.devices.filter((d) => d.kind !== "shelf"),
      { id: "scanner-2", kind: "scanner", location: "DEMO/DOCK/D1" },
    ],
  };
}

/**
 * An edge in production mode whose embedded device broker takes passwords
 * from a credentials file written for every device of `attackSite()`, with an open stand-in for the cloud's broker on the uplink.
 */
export async function startSecureEdge(
  options: { embedded?: Partial<Embedded>; mode?: EdgeOptions["mode"]; logger?: Logger } = {},
): Promise<SecureEdge> {
  const logger = options.logger ?? testLogger();
  const dir = await mkdtemp(join(tmpdir(), "tally-security-"));
  const site = await attackSite();
  const passwords: Record<string, string> = {
    "scanner-1": "scanner-1-password",
    "scanner-2": "scanner-2-password",
    "portal-d1": "portal-d1-password",
    "temp-c1": "temp-c1-password",
  };
  const hashes: Record<string, string> = {};
  for (const [id, password] of Object.entries(passwords)) hashes[id] = await hashPassword(password);
  const credentialsFile = join(dir, "devices.json");
  await writeFile(credentialsFile, JSON.stringify({ devices: hashes }));
  const cloudBroker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0, logger });
  const clients: MqttClient[] = [];
  let edge: RunningEdge;
  try {
    edge = await startEdge({
      site,
      edgeId: "edge-sec",
      mode: options.mode ?? "production",
      devices: { embedded: { port: 0, credentialsFile, ...options.embedded } },
      uplink: { mqttUrl: cloudBroker.url },
      logger,
      dataDir: dir,
      metricsServer: { port: 0 },
    });
  } catch (error) {
    await cloudBroker.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const running = edge;
  return {
    edge: running,
    site,
    passwords,
    credentialsFile,
    dir,
    connect: async (deviceId, extra = {}) => {
      const client = await mqtt.connectAsync(running.deviceMqttUrl, {
        clientId: `test-${deviceId ?? "anonymous"}-${clients.length}`,
        reconnectPeriod: 0,
        ...(deviceId !== undefined ? { username: deviceId, password: passwords[deviceId] ?? "" } : {}),
        ...extra,
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const client of clients) await client.endAsync(true);
      await running.close();
      await cloudBroker.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The CONNACK refusal a connection attempt gets (its MQTT return code), or "connected". */
export async function connectOutcome(url: string, options: IClientOptions): Promise<number | "connected"> {
  try {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    await client.endAsync(true);
    return "connected";
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "number") return code;
    throw error;
  }
}

/** A scan as a scanner at the demo dock sends it: a RECEIPT of one WIDGET case. */
export function receiptScan(): string {
  return JSON.stringify({ gtin: "00614141000012", qty: 1, action: "RECEIPT", scannedAt: new Date().toISOString() });
}

/**
 * Publishes (QoS 1) and says what came of it: `acked` (PUBACK) or `closed`
 * (the broker dropped the connection: how aedes refuses a publish under MQTT 3.1.1).
 */
export function publishOutcome(client: MqttClient, topic: string, payload: string): Promise<"acked" | "closed"> {
  return new Promise((resolve) => {
    const closed = () => resolve("closed");
    client.once("close", closed);
    client.publishAsync(topic, payload, { qos: 1 }).then(() => {
      client.off("close", closed);
      resolve("acked");
    }, closed);
  });
}

/** The QoS a subscription was granted: 128 when the broker refused it (MQTT 3.1.1 §3.9.3). */
export async function grantedQos(client: MqttClient, topicFilter: string): Promise<number | undefined> {
  try {
    const [grant] = await client.subscribeAsync(topicFilter, { qos: 1 });
    return grant?.qos;
  } catch (error) {
    // mqtt.js turns a refusal into an error that carries the SUBACK.
    const packet = (error as { packet?: { granted?: unknown[] } }).packet;
    const granted = packet?.granted?.[0];
    if (typeof granted === "number") return granted;
    throw error;
  }
}
