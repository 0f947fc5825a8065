import type { Worker } from "node:worker_threads";
import type { SiteLayout } from "@tally/protocols";
import type { Logger } from "pino";
import type { EdgeOpcuaOptions } from "./adapters/opcua-shelves.js";
import type { DeadLetterRatesConfig } from "./domain/dead-letter-rates.js";
import type { EdgeMode } from "./domain/device-broker-policy.js";
import type { EdgeMetrics } from "./metrics.js";
import type { EdgePipelineConfig } from "./pipelines/edge-pipeline.js";

export interface EdgeOptions {
  site: SiteLayout;
  edgeId: string;
  /**
   * `development` lets devices in without credentials when the embedded
   * device broker binds the loopback, connects OPC-UA shelves with security
   * None or an anonymous user, and trusts an unknown OPC-UA server
   * certificate on first use, saying so in the log; `production` (the
   * default) does none of these.
   */
  mode?: EdgeMode;
  /** Start even when the device broker is open to anyone (loudly logged); default false. */
  insecure?: boolean;
  /**
   * The device broker: an external one by URL (with the edge's own login on
   * it), or an embedded aedes (port 0 = any free port) with its credentials
   * file (device id → password hash), TLS files, packet size and rate limits.
   */
  devices:
    | { url: string; username?: string | undefined; password?: string | undefined }
    | {
        embedded: {
          host?: string;
          port: number;
          credentialsFile?: string | undefined;
          tls?: { certFile: string; keyFile: string; caFile?: string | undefined } | undefined;
          /** Largest MQTT packet a device may send, bytes (default 264 KiB). */
          maxPacketBytes?: number | undefined;
          /** Publishes per second per authenticated device (default 2000, one second's worth as burst). */
          maxMsgRate?: number | undefined;
        };
      };
  /** Where batches go: the cloud's broker (`mqttUrl`) or its HTTP API (`httpUrl`, `POST /v1/ingest`). */
  /**
   * Where batches go: the cloud's broker (`mqttUrl`, logging in as the edge id with `token`, over TLS
   * trusting `caFile` for mqtts://) or its HTTP API (`httpUrl`, `POST /v1/ingest` with `token`).
   */
  uplink: (
    | { mqttUrl: string; token?: string | undefined; caFile?: string | undefined }
    | { httpUrl: string; token?: string | undefined }
  ) & {
    maxBatch?: number;
    flushMs?: number;
    /** Most batches in flight at once (default 4; 1: one at a time, batches without `after`). */
    window?: number;
    /** Plain sensor readings sent as columns (default true; false for a cloud older than the field). */
    readingColumns?: boolean;
    ackTimeoutMs?: number;
    /** Backoff cap: the longest wait for an acknowledgement before a resend, ms (default 60 s). */
    maxAckTimeoutMs?: number;
    /** MQTT keepalive, s (default 60): how soon a silent connection is noticed (after 1.5 ×). */
    keepaliveS?: number;
  };
  logger: Logger;
  pipeline?: Partial<EdgePipelineConfig>;
  /**
   * Where the outbox lives: on disk at `${dataDir}/edge/${edgeId}/outbox.db`
   * (survives restarts and kill -9), or in memory when not given. The cached
   * reference data is kept beside it.
   */
  dataDir?: string;
  /**
   * Where to fetch the item master and open expected receipts and shipments; the site file alone without.
   * `pollMs` default 30 s; `staleMs` (default 10 min): how long the cloud may not confirm the copy before
   * REFERENCE_DATA_STALE is raised.
   */
  reference?: { cloudUrl: string; token?: string | undefined; pollMs?: number; staleMs?: number };
  /** Bound on the durable outbox, bytes (default 512 MiB): past it telemetry is shed, then devices are held. */
  outboxMaxBytes?: number;
  /** Bound on age (default 7 days): telemetry and conditions queued longer are shed; movements and tasks never. */
  outboxMaxAgeMs?: number;
  /** Dead letters kept (events the cloud refused for good, default 10,000): past it the oldest are dropped. */
  outboxMaxDeadLetters?: number;
  /** Test hook: cap the outbox file at this many SQLite pages, so writes past it fail with SQLITE_FULL. */
  outboxPageLimit?: number | undefined;
  /**
   * Test hook (the fault suite's power cut): the outbox's files are copied to this folder at each point
   * where what it wrote is durable (`outboxPlatter`).
   */
  outboxPlatterDir?: string | undefined;
  /** Test hook: the device journal's writer thread once made (a test terminates it to play its death). */
  onJournalWriter?: ((writer: Worker) => void) | undefined;
  /** Serve Prometheus metrics at `http://host:port/metrics` (port 0: any free port); none without. */
  metricsServer?: { host?: string; port: number };
  opcua?: EdgeOpcuaOptions;
  /** Each device's dead letters per window sent as `dead-letters` telemetry: window (1 min) and ids per window (1000). */
  deadLetterRate?: Partial<DeadLetterRatesConfig>;
}

export interface RunningEdge {
  /** Where devices publish. */
  deviceMqttUrl: string;
  /** Where Prometheus scrapes the edge, when it serves metrics. */
  metricsUrl?: string | undefined;
  metrics(): EdgeMetrics;
  /**
   * Resolves when every OPC-UA shelf is monitored, or after `timeoutMs` with
   * the names of those that are not (they keep retrying in the background).
   */
  shelvesReady(timeoutMs: number): Promise<{ waiting: string[] }>;
  /**
   * Resolves once the edge has finished with what it received: no device
   * data for long enough that every pass, held cross-read and shelf weight
   * has settled, and every event acknowledged by the cloud.
   */
  drained(): Promise<void>;
  /**
   * Settles with the reason if the edge stops on its own: its journal's writer
   * thread died or its outbox could not be synced, so it could no longer
   * acknowledge a device or keep what it was given. It has closed itself by
   * then; a process should exit non-zero, for a supervisor to restart it (the
   * journal replays what it holds). Never settles otherwise.
   */
  failed: Promise<Error>;
  close(): Promise<void>;
}
