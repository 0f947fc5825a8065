import { isIP } from "node:net";
import { z } from "zod";
import { type BootstrapToken, parseBootstrapTokens } from "./auth/credentials.js";
import type { ApiLimits } from "./plugins/api-limits.js";
import { type ApiMode, isLoopback } from "./plugins/authenticate.js";
import { parseTaskDue, type TaskDuePolicy } from "./tasks/task-due.js";

const Port = z.coerce.number().int().min(0).max(65_535);

const CloudEnv = z.object({
  TALLY_HTTP_HOST: z.string().default("127.0.0.1"),
  TALLY_HTTP_PORT: Port.default(8080),
  TALLY_DATA_DIR: z.string().default(".data"),
  TALLY_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
    .optional(),
  /** `http(s)://[user:password@]host:port/<database>`: telemetry in InfluxDB 1.x instead of the embedded SQLite file. */
  TALLY_INFLUX_URL: z
    .string()
    .regex(/^https?:\/\/[^/]+\/[A-Za-z0-9_-]{1,64}\/?$/, "expected http(s)://host:port/<database>")
    .optional(),
  /** Telemetry rows the ledger keeps for the telemetry store while it is away (the hand-off); past it the oldest go. */
  TALLY_TELEMETRY_HANDOFF_MAX: z.coerce.number().int().min(1000).max(100_000_000).optional(),
  TALLY_TELEMETRY_FORWARD_THREAD: z.enum(["true", "false", "1", "0"]).optional(),
  TALLY_CLOUD_MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?|tcp|tls):\/\//, "expected an mqtt://, mqtts://, ws:// or wss:// URL")
    .optional(),
  TALLY_CLOUD_MQTT_HOST: z.string().default("127.0.0.1"),
  TALLY_CLOUD_MQTT_PORT: Port.default(1884),
  TALLY_CLOUD_MQTT_SHARE_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "expected a group name of letters, digits, _ and -")
    .optional(),
  TALLY_API_TOKENS: z.string().optional(),
  /** `development` (loopback only: open reads) or `production`; default: development when every listener is on the loopback. */
  TALLY_MODE: z.enum(["development", "production"]).optional(),
  /** Start beyond the loopback even with the problems the security check names (each is logged). */
  TALLY_INSECURE: z.enum(["true", "false", "1", "0"]).optional(),
  /** The HTTP API over TLS: certificate and key (PEM files). */
  TALLY_HTTP_TLS_CERT: z.string().optional(),
  TALLY_HTTP_TLS_KEY: z.string().optional(),
  /** The embedded broker over TLS (mqtts): certificate and key (PEM files). */
  TALLY_CLOUD_MQTT_TLS_CERT: z.string().optional(),
  TALLY_CLOUD_MQTT_TLS_KEY: z.string().optional(),
  /** On an external broker: the cloud's user and password there, and the CA of its TLS certificate. */
  TALLY_CLOUD_MQTT_USERNAME: z.string().optional(),
  TALLY_CLOUD_MQTT_PASSWORD: z.string().optional(),
  TALLY_CLOUD_MQTT_CA: z.string().optional(),
  TALLY_API_RATE_MAX: z.coerce.number().int().min(1).optional(),
  TALLY_API_RATE_WINDOW_MS: z.coerce.number().int().min(1000).optional(),
  TALLY_API_EDGE_RATE_MAX: z.coerce.number().int().min(1).optional(),
  TALLY_API_AUTH_FAILURES: z.coerce.number().int().min(1).optional(),
  TALLY_API_AUTH_BLOCK_MS: z.coerce.number().int().min(1000).optional(),
  TALLY_API_BODY_LIMIT: z.coerce.number().int().min(1024).optional(),
  /** Test hook: `exit-after-commit:N` kills the process right after its Nth committing batch, before the ack. */
  TALLY_FAILPOINT: z
    .string()
    .regex(/^exit-after-commit:[1-9]\d{0,8}$/, "expected exit-after-commit:<N>, N ≥ 1")
    .optional(),
  /** A JSON alert policy file (severities, grace, escalation, reminders, rule thresholds, per-site overrides). */
  TALLY_ALERT_POLICY: z.string().optional(),
  /** How often the alert sweeper runs (promotion, escalation, reminders, cloud rules), ms. */
  TALLY_ALERT_SWEEP_MS: z.coerce.number().int().min(100).max(600_000).optional(),
  /** Hold the stock at risk (QUARANTINE tasks) when a temperature excursion closes. */
  TALLY_HOLD_STOCK_AT_RISK: z.enum(["true", "false", "1", "0"]).optional(),
  /** A cycle count's difference (units) the ledger corrects by itself with a COUNT movement; 0: every one is a task. */
  TALLY_COUNT_AUTO_CORRECT_UNITS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  TALLY_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Correction task due times, `TYPE=minutes,…,default=minutes` over the built-in ones. */
  TALLY_TASK_DUE: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseTaskDue(text);
      } catch (error) {
        const issues = error instanceof z.ZodError ? error.issues : [{ path: [], message: String(error) }];
        ctx.addIssue({ code: "custom", message: issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
        return z.NEVER;
      }
    })
    .optional(),
});

/** Where the cloud consumes edge batches: an external broker, or an embedded aedes it starts itself. */
export type CloudMqttConfig = { url: string } | { embedded: { host: string; port: number } };

/** The cloud's configuration, parsed from `TALLY_*` environment variables. */
export interface CloudConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  /** `TALLY_INFLUX_URL`: telemetry in InfluxDB 1.x; none: the embedded `<dataDir>/cloud/telemetry.db`. */
  influxUrl?: string;
  /** `TALLY_TELEMETRY_HANDOFF_MAX`: telemetry kept in the ledger for an absent telemetry store (default 1,000,000). */
  telemetryHandoffMax?: number;
  /**
   * `TALLY_TELEMETRY_FORWARD_THREAD`: the telemetry forwarder on a worker thread of its own (decisions 0193,
   * 0205); default true.
   */
  telemetryForwardThread?: boolean;
  mqtt: CloudMqttConfig;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Tokens from `TALLY_API_TOKENS` (role:secret, role@SITE:secret, edge@SITE/EDGE:secret); empty when unset. */
  bootstrapTokens: BootstrapToken[];
  /** `TALLY_MODE`; default development when every listener (HTTP, embedded broker) is on the loopback, else production. */
  mode: ApiMode;
  /** `TALLY_INSECURE`: start beyond the loopback despite the security check's problems. */
  insecure: boolean;
  /** Rate limit, failed-authentication throttle and body limit given in the environment (the rest default). */
  apiLimits: Partial<ApiLimits>;
  httpTls?: { certFile: string; keyFile: string };
  brokerTls?: { certFile: string; keyFile: string };
  mqttAuth?: { username: string; password: string };
  mqttCaFile?: string;
  /** MQTT shared subscription group for ingest (`TALLY_CLOUD_MQTT_SHARE_GROUP`); none: every batch to this instance. */
  mqttShareGroup?: string;
  /**
   * Test hook (`TALLY_FAILPOINT=exit-after-commit:N`, for the fault suite): the process kills itself
   * (SIGKILL) right after the Nth batch that committed new events, before that batch's ack leaves.
   */
  failpoint?: { exitAfterCommit: number };
  /** `TALLY_ALERT_POLICY`: the alert policy file; none: the built-in defaults. */
  alertPolicyFile?: string;
  /** `TALLY_ALERT_SWEEP_MS`. */
  alertSweepMs?: number;
  /** Correction task due times per type (`TALLY_TASK_DUE` over `DEFAULT_TASK_DUE`); none: the defaults. */
  taskDue?: TaskDuePolicy;
  /** `TALLY_HOLD_STOCK_AT_RISK`: QUARANTINE tasks for the stock at risk when an excursion closes. */
  holdStockAtRisk?: boolean;
  /** `TALLY_COUNT_AUTO_CORRECT_UNITS`: a cycle count's difference corrected without a task; none: 0. */
  countAutoCorrectUnits?: number;
}

/**
 * Parses the environment (the only place the cloud reads `process.env`).
 * Empty variables count as unset. Throws a ZodError naming every bad variable.
 */
export function loadCloudConfig(env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const set = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith("TALLY_") && value !== ""),
  );
  const parsed = CloudEnv.parse(set);
  const config: CloudConfig = {
    host: parsed.TALLY_HTTP_HOST,
    port: parsed.TALLY_HTTP_PORT,
    dataDir: parsed.TALLY_DATA_DIR,
    mqtt:
      parsed.TALLY_CLOUD_MQTT_URL !== undefined
        ? { url: parsed.TALLY_CLOUD_MQTT_URL }
        : { embedded: { host: parsed.TALLY_CLOUD_MQTT_HOST, port: parsed.TALLY_CLOUD_MQTT_PORT } },
    logLevel: parsed.TALLY_LOG_LEVEL,
    bootstrapTokens: parseBootstrapTokens(parsed.TALLY_API_TOKENS ?? ""),
    mode: parsed.TALLY_MODE ?? "development",
    insecure: parsed.TALLY_INSECURE === "true" || parsed.TALLY_INSECURE === "1",
    apiLimits: {
      ...(parsed.TALLY_API_RATE_MAX !== undefined && { rateMax: parsed.TALLY_API_RATE_MAX }),
      ...(parsed.TALLY_API_RATE_WINDOW_MS !== undefined && { rateWindowMs: parsed.TALLY_API_RATE_WINDOW_MS }),
      ...(parsed.TALLY_API_EDGE_RATE_MAX !== undefined && { edgeRateMax: parsed.TALLY_API_EDGE_RATE_MAX }),
      ...(parsed.TALLY_API_AUTH_FAILURES !== undefined && { authFailures: parsed.TALLY_API_AUTH_FAILURES }),
      ...(parsed.TALLY_API_AUTH_BLOCK_MS !== undefined && { authBlockMs: parsed.TALLY_API_AUTH_BLOCK_MS }),
      ...(parsed.TALLY_API_BODY_LIMIT !== undefined && { bodyLimit: parsed.TALLY_API_BODY_LIMIT }),
    },
  };
  if (parsed.TALLY_ALERT_POLICY !== undefined) config.alertPolicyFile = parsed.TALLY_ALERT_POLICY;
  if (parsed.TALLY_ALERT_SWEEP_MS !== undefined) config.alertSweepMs = parsed.TALLY_ALERT_SWEEP_MS;
  if (parsed.TALLY_COUNT_AUTO_CORRECT_UNITS !== undefined) {
    config.countAutoCorrectUnits = parsed.TALLY_COUNT_AUTO_CORRECT_UNITS;
  }
  if (parsed.TALLY_HOLD_STOCK_AT_RISK !== undefined) {
    config.holdStockAtRisk = parsed.TALLY_HOLD_STOCK_AT_RISK === "true" || parsed.TALLY_HOLD_STOCK_AT_RISK === "1";
  }
  if (parsed.TALLY_MODE === undefined) {
    const listeners = [config.host, ...("embedded" in config.mqtt ? [config.mqtt.embedded.host] : [])];
    config.mode = listeners.every(isLoopbackHost) ? "development" : "production";
  }
  const httpTls = pair(
    parsed.TALLY_HTTP_TLS_CERT,
    parsed.TALLY_HTTP_TLS_KEY,
    "TALLY_HTTP_TLS_CERT",
    "TALLY_HTTP_TLS_KEY",
  );
  if (httpTls !== undefined) config.httpTls = httpTls;
  const brokerTls = pair(
    parsed.TALLY_CLOUD_MQTT_TLS_CERT,
    parsed.TALLY_CLOUD_MQTT_TLS_KEY,
    "TALLY_CLOUD_MQTT_TLS_CERT",
    "TALLY_CLOUD_MQTT_TLS_KEY",
  );
  if (brokerTls !== undefined) config.brokerTls = brokerTls;
  if (parsed.TALLY_CLOUD_MQTT_USERNAME !== undefined || parsed.TALLY_CLOUD_MQTT_PASSWORD !== undefined) {
    if (parsed.TALLY_CLOUD_MQTT_USERNAME === undefined || parsed.TALLY_CLOUD_MQTT_PASSWORD === undefined) {
      throw new Error("TALLY_CLOUD_MQTT_USERNAME and TALLY_CLOUD_MQTT_PASSWORD go together");
    }
    config.mqttAuth = { username: parsed.TALLY_CLOUD_MQTT_USERNAME, password: parsed.TALLY_CLOUD_MQTT_PASSWORD };
  }
  if (parsed.TALLY_CLOUD_MQTT_CA !== undefined) config.mqttCaFile = parsed.TALLY_CLOUD_MQTT_CA;
  if (parsed.TALLY_DATABASE_URL !== undefined) config.databaseUrl = parsed.TALLY_DATABASE_URL;
  if (parsed.TALLY_INFLUX_URL !== undefined) config.influxUrl = parsed.TALLY_INFLUX_URL;
  if (parsed.TALLY_TELEMETRY_HANDOFF_MAX !== undefined) config.telemetryHandoffMax = parsed.TALLY_TELEMETRY_HANDOFF_MAX;
  // On by default for a cloud started from its configuration (`tally cloud`, `tally up`); `startCloud` alone,
  // as embedded in tests, keeps the forwarder in its own thread unless told otherwise.
  const thread = parsed.TALLY_TELEMETRY_FORWARD_THREAD ?? "true";
  config.telemetryForwardThread = thread === "true" || thread === "1";
  if (parsed.TALLY_CLOUD_MQTT_SHARE_GROUP !== undefined) {
    if ("embedded" in config.mqtt) {
      throw new Error("TALLY_CLOUD_MQTT_SHARE_GROUP needs an external broker (TALLY_CLOUD_MQTT_URL)");
    }
    config.mqttShareGroup = parsed.TALLY_CLOUD_MQTT_SHARE_GROUP;
  }
  if (parsed.TALLY_TASK_DUE !== undefined) config.taskDue = parsed.TALLY_TASK_DUE;
  if (parsed.TALLY_FAILPOINT !== undefined) {
    config.failpoint = { exitAfterCommit: Number(parsed.TALLY_FAILPOINT.slice("exit-after-commit:".length)) };
  }
  return config;
}

/** `localhost` or a loopback address (127.0.0.0/8, ::1, also in brackets): where a development cloud listens. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || (isIP(bare) !== 0 && isLoopback(bare));
}

function pair(
  cert: string | undefined,
  key: string | undefined,
  certName: string,
  keyName: string,
): { certFile: string; keyFile: string } | undefined {
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new Error(`${certName} and ${keyName} go together`);
  return { certFile: cert, keyFile: key };
}
