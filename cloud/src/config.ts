import { z } from "zod";

/** Empty environment variables count as unset. */
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const Port = z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65_535));
const Text = z.preprocess(unsetIfEmpty, z.string().min(1));

const CloudEnv = z.object({
  TALLY_HTTP_HOST: Text.default("127.0.0.1"),
  TALLY_HTTP_PORT: Port.default(8080),
  TALLY_DATA_DIR: Text.default(".data"),
  TALLY_DATABASE_URL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
      .optional(),
  ),
  TALLY_CLOUD_MQTT_URL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^(mqtts?|wss?|tcp|tls):\/\//, "expected an mqtt:// URL")
      .optional(),
  ),
  TALLY_CLOUD_MQTT_HOST: Text.default("127.0.0.1"),
  TALLY_CLOUD_MQTT_PORT: Port.default(1884),
  TALLY_LOG_LEVEL: z
    .preprocess(unsetIfEmpty, z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]))
    .default("info"),
});

/** Where the cloud consumes edge batches: an external broker, or an embedded aedes it starts itself. */
export type CloudMqttConfig = { url: string } | { embedded: { host: string; port: number } };

/** The cloud's configuration, parsed from `TALLY_*` environment variables. */
export interface CloudConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  mqtt: CloudMqttConfig;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

/** Parses the environment (the only place the cloud reads `process.env`); throws a ZodError listing every bad variable. */
export function loadCloudConfig(env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const parsed = CloudEnv.parse(env);
  const config: CloudConfig = {
    host: parsed.TALLY_HTTP_HOST,
    port: parsed.TALLY_HTTP_PORT,
    dataDir: parsed.TALLY_DATA_DIR,
    mqtt:
      parsed.TALLY_CLOUD_MQTT_URL !== undefined
        ? { url: parsed.TALLY_CLOUD_MQTT_URL }
        : { embedded: { host: parsed.TALLY_CLOUD_MQTT_HOST, port: parsed.TALLY_CLOUD_MQTT_PORT } },
    logLevel: parsed.TALLY_LOG_LEVEL,
  };
  if (parsed.TALLY_DATABASE_URL !== undefined) config.databaseUrl = parsed.TALLY_DATABASE_URL;
  return config;
}
