import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65_535);
const positive = z.coerce.number().int().positive();

/** Edge configuration from the environment (every key is listed in .env.example and the README). */
export const EdgeConfig = z.object({
  TALLY_SITE_FILE: z.string().min(1).optional(),
  TALLY_EDGE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default("edge-1"),
  /** External device broker; when unset the edge runs an embedded aedes broker. */
  TALLY_EDGE_MQTT_URL: z.url().optional(),
  TALLY_EDGE_MQTT_HOST: z.string().default("127.0.0.1"),
  TALLY_EDGE_MQTT_PORT: port.default(1883),
  /** The cloud's broker, where batches go and acknowledgements come from. */
  TALLY_UPLINK_MQTT_URL: z.url().default("mqtt://127.0.0.1:1884"),
  TALLY_SHELF_SETTLE_MS: positive.default(300),
  TALLY_UPLINK_MAX_BATCH: positive.max(5000).default(500),
  TALLY_UPLINK_FLUSH_MS: positive.default(50),
  TALLY_UPLINK_ACK_TIMEOUT_MS: positive.default(5000),
});
export type EdgeConfig = z.infer<typeof EdgeConfig>;

/** Parses the edge's environment; throws a readable error naming each bad key. */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const parsed = EdgeConfig.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid edge configuration: ${problems}`);
  }
  return parsed.data;
}
