import { join } from "node:path";
import { safeParseUntrusted } from "@tally/protocols";
import { z } from "zod";
import { type EdgeMode, isLoopback } from "./domain/device-broker-policy.js";

/** Default largest MQTT packet from a device: the 256 KiB payload limit plus room for the topic and headers. */
export const DEFAULT_DEVICE_MAX_PACKET_BYTES = 256 * 1024 + 8 * 1024;
/** Default publishes per second per authenticated device (an RFID reader at full speed stays under it). */
export const DEFAULT_DEVICE_MAX_MSG_RATE = 2000;

const port = z.coerce.number().int().min(0).max(65_535);
const positive = z.coerce.number().int().positive();

/** The edge's environment variables (every key is listed in .env.example and the README). */
const EdgeEnv = z.object({
  TALLY_SITE_FILE: z.string().min(1).optional(),
  TALLY_EDGE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default("edge-1"),
  /** External device broker; when unset the edge runs an embedded aedes broker. */
  TALLY_EDGE_MQTT_URL: z.url().optional(),
  TALLY_EDGE_MQTT_HOST: z.string().default("127.0.0.1"),
  TALLY_EDGE_MQTT_PORT: port.default(1883),
  /** The edge's own login on the external device broker (TALLY_EDGE_MQTT_URL). */
  TALLY_EDGE_MQTT_USERNAME: z.string().min(1).optional(),
  TALLY_EDGE_MQTT_PASSWORD: z.string().min(1).optional(),
  /** PEM files: TLS on the embedded device broker; with the CA, devices must present a certificate (its CN is the device id). */
  TALLY_EDGE_MQTT_TLS_CERT: z.string().min(1).optional(),
  TALLY_EDGE_MQTT_TLS_KEY: z.string().min(1).optional(),
  TALLY_EDGE_MQTT_TLS_CA: z.string().min(1).optional(),
  /** `development` lets anonymous devices in on the loopback; default: development when the broker binds the loopback. */
  TALLY_MODE: z.enum(["development", "production"]).optional(),
  /** `true`: start even when the device broker is open to anyone (loudly logged). */
  TALLY_INSECURE: z.enum(["true", "false"]).default("false"),
  /** Device id → password hash (YAML or JSON), made with `tally device credential`. */
  TALLY_DEVICE_CREDENTIALS_FILE: z.string().min(1).optional(),
  /** The largest MQTT packet a device may send, bytes; a bigger one closes its connection. */
  TALLY_DEVICE_MAX_PACKET_BYTES: positive.min(1024).default(DEFAULT_DEVICE_MAX_PACKET_BYTES),
  /** Publishes per second per authenticated device (one second's worth as burst); past it its publishes wait. */
  TALLY_DEVICE_MAX_MSG_RATE: positive.default(DEFAULT_DEVICE_MAX_MSG_RATE),
  /** The cloud's broker, where batches go and acknowledgements come from. */
  TALLY_UPLINK_MQTT_URL: z.url().default("mqtt://127.0.0.1:1884"),
  /** `mqtt` (default) or `http`: batches as `POST {TALLY_CLOUD_URL}/v1/ingest` instead. */
  TALLY_UPLINK_TRANSPORT: z.enum(["mqtt", "http"]).default("mqtt"),
  /** The durable outbox lives at `<dir>/edge/<edge id>/outbox.db`. */
  TALLY_DATA_DIR: z.string().min(1).default(".data"),
  TALLY_SHELF_SETTLE_MS: positive.default(300),
  /** The cloud's API, for reference data (item master, expected receipts and shipments); "none" to work from the site file alone. */
  TALLY_CLOUD_URL: z.string().default("http://127.0.0.1:8080"),
  /**
   * This edge's credential at the cloud: the password of its user (its edge id) on the cloud's broker,
   * and its bearer token on the cloud's API (ingest and reference data).
   */
  TALLY_CLOUD_TOKEN: z.string().min(1).optional(),
  /** PEM file of the CA that signed the cloud broker's TLS certificate (for an mqtts:// uplink). */
  TALLY_CLOUD_CA: z.string().min(1).optional(),
  TALLY_REFERENCE_POLL_MS: positive.default(30_000),
  /** How long the cloud may not confirm the edge's reference data before REFERENCE_DATA_STALE is raised, ms. */
  TALLY_REFERENCE_STALE_MS: positive.default(600_000),
  /** A device not heard from (with `heartbeat: false`: not connected) for this long raises DEVICE_SILENT. */
  TALLY_DEVICE_SILENT_MS: positive.default(30_000),
  /** Each temperature sensor's summary period (device time), ms: whole seconds, up to a day. */
  TALLY_TELEMETRY_INTERVAL_MS: positive
    .min(1000)
    .max(86_400_000)
    .refine((ms) => ms % 1000 === 0, "must be whole seconds (a multiple of 1000)")
    .default(60_000),
  /** Bound on the durable outbox in bytes: past it telemetry then conditions are shed, and devices held. */
  TALLY_OUTBOX_MAX_BYTES: positive.default(512 * 1024 * 1024),
  TALLY_OUTBOX_MAX_AGE_MS: positive.default(7 * 24 * 3600 * 1000),
  /** Events the cloud refused for good kept as dead letters in the outbox file; past it the oldest are dropped. */
  TALLY_OUTBOX_MAX_DEAD_LETTERS: positive.default(10_000),
  /** Devices whose dead letters a minute are reported on their own; past it in one minute they share `_other`. */
  TALLY_DEAD_LETTER_MAX_DEVICES: positive.default(1000),
  /** Prometheus metrics at http://host:port/metrics. */
  TALLY_EDGE_METRICS_HOST: z.string().default("127.0.0.1"),
  TALLY_EDGE_METRICS_PORT: port.default(9464),
  TALLY_UPLINK_MAX_BATCH: positive.max(5000).default(500),
  /**
   * Longest wait for more events before a part-full batch goes, ms. 0: it goes as soon as nothing is in
   * flight, and what arrives while a batch is in flight makes the next one (batches grow with the load).
   */
  TALLY_UPLINK_FLUSH_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /**
   * Most batches in flight to the cloud at once (1 to 16). 1: one at a time, as edges before the window did,
   * and batches carry no `after` (a cloud without it accepts them).
   */
  TALLY_UPLINK_WINDOW: positive.max(16).default(4),
  /**
   * Plain sensor readings go to the cloud as columns (the envelope's `readings`): a third of the text, and
   * the cloud reads them without an object a reading. A cloud older than the field refuses such batches:
   * upgrade the cloud first, or set false.
   */
  TALLY_UPLINK_READING_COLUMNS: z.enum(["true", "false"]).default("true"),
  TALLY_UPLINK_ACK_TIMEOUT_MS: positive.default(5000),
  /** Longest wait for an acknowledgement once backoff has doubled it (the backoff cap), ms. */
  TALLY_UPLINK_MAX_ACK_TIMEOUT_MS: positive.default(60_000),
  /** MQTT keepalive of the uplink, s: a silent connection (blackhole, half-open) is given up after 1.5 × this. */
  TALLY_UPLINK_KEEPALIVE_S: positive.max(65_535).default(60),
  /**
   * Test hook (the fault suite's "disk full"): caps the outbox file at this many SQLite pages
   * (`PRAGMA max_page_count`), so a write past it fails with SQLITE_FULL as on a full disk.
   */
  TALLY_TEST_OUTBOX_PAGE_LIMIT: positive.optional(),
  /**
   * Test hook (the fault suite's power cut): the outbox's files are copied to this folder at each point where
   * what it wrote is durable, for the test to put back after killing the edge.
   */
  TALLY_TEST_OUTBOX_PLATTER_DIR: z.string().min(1).optional(),
  /** The OPC-UA client PKI (own certificate, trusted/, rejected/); default `<TALLY_DATA_DIR>/edge/<edge id>/pki`. */
  TALLY_OPCUA_PKI_DIR: z.string().min(1).optional(),
});

/** The embedded device broker's settings. */
export interface EmbeddedDeviceBrokerConfig {
  host: string;
  port: number;
  credentialsFile?: string | undefined;
  /** PEM file paths; with `caFile`, devices log in with a client certificate. */
  tls?: { certFile: string; keyFile: string; caFile?: string | undefined } | undefined;
  maxPacketBytes?: number | undefined;
  /** Publishes per second per authenticated device. */
  maxMsgRate?: number | undefined;
}

/** An external device broker, with the edge's own login on it. */
export interface ExternalDeviceBrokerConfig {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
}

export interface EdgeConfig {
  siteFile?: string | undefined;
  edgeId: string;
  mode: EdgeMode;
  insecure: boolean;
  devices: ExternalDeviceBrokerConfig | { embedded: EmbeddedDeviceBrokerConfig };
  uplink: (
    | { mqttUrl: string; token?: string | undefined; caFile?: string | undefined }
    | { httpUrl: string; token?: string | undefined }
  ) & {
    maxBatch: number;
    flushMs: number;
    window: number;
    readingColumns: boolean;
    ackTimeoutMs: number;
    maxAckTimeoutMs: number;
    keepaliveS: number;
  };
  shelfSettleMs: number;
  deviceSilentMs: number;
  /** One temperature summary per sensor per this many ms of device time. */
  telemetryIntervalMs: number;
  outboxMaxBytes: number;
  /** Telemetry and conditions queued longer than this are shed, ms; movements and tasks never. */
  outboxMaxAgeMs: number;
  /** Dead letters (events the cloud refused for good) kept; past it the oldest are dropped, and counted. */
  outboxMaxDeadLetters: number;
  /** Devices whose dead-letter rate is reported on their own per minute; the rest share `_other`. */
  deadLetterMaxDevices: number;
  /** Test hook: the outbox file's page cap (SQLITE_FULL past it); none in production. */
  outboxPageLimit?: number | undefined;
  /** Test hook: where the outbox's files are copied at each durable point; none in production. */
  outboxPlatterDir?: string | undefined;
  metricsServer: { host: string; port: number };
  dataDir: string;
  /** The OPC-UA client PKI folder. */
  opcuaPkiDir: string;
  reference?: { cloudUrl: string; token?: string | undefined; pollMs: number; staleMs: number } | undefined;
}

/** Parses the edge's environment; throws a readable error naming each bad key. */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const parsed = safeParseUntrusted(EdgeEnv, env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid edge configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.TALLY_UPLINK_TRANSPORT === "http" && e.TALLY_CLOUD_URL === "none") {
    throw new Error("invalid edge configuration: TALLY_UPLINK_TRANSPORT=http needs TALLY_CLOUD_URL");
  }
  if ((e.TALLY_EDGE_MQTT_TLS_CERT === undefined) !== (e.TALLY_EDGE_MQTT_TLS_KEY === undefined)) {
    throw new Error("invalid edge configuration: TALLY_EDGE_MQTT_TLS_CERT and TALLY_EDGE_MQTT_TLS_KEY go together");
  }
  if (e.TALLY_EDGE_MQTT_TLS_CA !== undefined && e.TALLY_EDGE_MQTT_TLS_CERT === undefined) {
    throw new Error("invalid edge configuration: TALLY_EDGE_MQTT_TLS_CA needs TALLY_EDGE_MQTT_TLS_CERT and _KEY");
  }
  const brokerHost =
    e.TALLY_EDGE_MQTT_URL !== undefined ? new URL(e.TALLY_EDGE_MQTT_URL).hostname : e.TALLY_EDGE_MQTT_HOST;
  const embedded: EmbeddedDeviceBrokerConfig = {
    host: e.TALLY_EDGE_MQTT_HOST,
    port: e.TALLY_EDGE_MQTT_PORT,
    ...(e.TALLY_DEVICE_CREDENTIALS_FILE !== undefined ? { credentialsFile: e.TALLY_DEVICE_CREDENTIALS_FILE } : {}),
    ...(e.TALLY_EDGE_MQTT_TLS_CERT !== undefined && e.TALLY_EDGE_MQTT_TLS_KEY !== undefined
      ? {
          tls: {
            certFile: e.TALLY_EDGE_MQTT_TLS_CERT,
            keyFile: e.TALLY_EDGE_MQTT_TLS_KEY,
            ...(e.TALLY_EDGE_MQTT_TLS_CA !== undefined ? { caFile: e.TALLY_EDGE_MQTT_TLS_CA } : {}),
          },
        }
      : {}),
    maxPacketBytes: e.TALLY_DEVICE_MAX_PACKET_BYTES,
    maxMsgRate: e.TALLY_DEVICE_MAX_MSG_RATE,
  };
  return {
    siteFile: e.TALLY_SITE_FILE,
    edgeId: e.TALLY_EDGE_ID,
    mode: e.TALLY_MODE ?? (isLoopback(brokerHost) ? "development" : "production"),
    insecure: e.TALLY_INSECURE === "true",
    devices:
      e.TALLY_EDGE_MQTT_URL !== undefined
        ? {
            url: e.TALLY_EDGE_MQTT_URL,
            ...(e.TALLY_EDGE_MQTT_USERNAME !== undefined ? { username: e.TALLY_EDGE_MQTT_USERNAME } : {}),
            ...(e.TALLY_EDGE_MQTT_PASSWORD !== undefined ? { password: e.TALLY_EDGE_MQTT_PASSWORD } : {}),
          }
        : { embedded },
    uplink: {
      ...(e.TALLY_UPLINK_TRANSPORT === "http"
        ? { httpUrl: e.TALLY_CLOUD_URL, token: e.TALLY_CLOUD_TOKEN }
        : { mqttUrl: e.TALLY_UPLINK_MQTT_URL, token: e.TALLY_CLOUD_TOKEN, caFile: e.TALLY_CLOUD_CA }),
      maxBatch: e.TALLY_UPLINK_MAX_BATCH,
      flushMs: e.TALLY_UPLINK_FLUSH_MS,
      window: e.TALLY_UPLINK_WINDOW,
      readingColumns: e.TALLY_UPLINK_READING_COLUMNS === "true",
      ackTimeoutMs: e.TALLY_UPLINK_ACK_TIMEOUT_MS,
      maxAckTimeoutMs: Math.max(e.TALLY_UPLINK_MAX_ACK_TIMEOUT_MS, e.TALLY_UPLINK_ACK_TIMEOUT_MS),
      keepaliveS: e.TALLY_UPLINK_KEEPALIVE_S,
    },
    shelfSettleMs: e.TALLY_SHELF_SETTLE_MS,
    deviceSilentMs: e.TALLY_DEVICE_SILENT_MS,
    telemetryIntervalMs: e.TALLY_TELEMETRY_INTERVAL_MS,
    outboxMaxBytes: e.TALLY_OUTBOX_MAX_BYTES,
    outboxMaxAgeMs: e.TALLY_OUTBOX_MAX_AGE_MS,
    outboxMaxDeadLetters: e.TALLY_OUTBOX_MAX_DEAD_LETTERS,
    deadLetterMaxDevices: e.TALLY_DEAD_LETTER_MAX_DEVICES,
    ...(e.TALLY_TEST_OUTBOX_PAGE_LIMIT !== undefined ? { outboxPageLimit: e.TALLY_TEST_OUTBOX_PAGE_LIMIT } : {}),
    ...(e.TALLY_TEST_OUTBOX_PLATTER_DIR !== undefined ? { outboxPlatterDir: e.TALLY_TEST_OUTBOX_PLATTER_DIR } : {}),
    metricsServer: { host: e.TALLY_EDGE_METRICS_HOST, port: e.TALLY_EDGE_METRICS_PORT },
    dataDir: e.TALLY_DATA_DIR,
    opcuaPkiDir: e.TALLY_OPCUA_PKI_DIR ?? join(e.TALLY_DATA_DIR, "edge", e.TALLY_EDGE_ID, "pki"),
    reference:
      e.TALLY_CLOUD_URL === "none"
        ? undefined
        : {
            cloudUrl: e.TALLY_CLOUD_URL,
            token: e.TALLY_CLOUD_TOKEN,
            pollMs: e.TALLY_REFERENCE_POLL_MS,
            staleMs: e.TALLY_REFERENCE_STALE_MS,
          },
  };
}
