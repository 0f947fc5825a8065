import type { EdgeOptions, RunningEdge } from "@tally/edge";
import type { SiteLayout } from "@tally/protocols";
import type { Logger } from "pino";

/** The edge of a running system: in this process, or a child process. */
export interface SystemEdge {
  readonly deviceMqttUrl: string;
  readonly metricsUrl?: string | undefined;
  /** Resolves once the edge has settled what it received and the cloud acknowledged every event. */
  drained(): Promise<void>;
  /** Events the edge has queued since it started (a counter that grows while it works). */
  eventsQueued(): Promise<number>;
  /** Device messages the edge has received since it started. */
  messagesReceived(): Promise<number>;
  /** When the cloud made the reference data the edge works from, ms since the epoch; undefined: none yet. */
  referenceAsOfMs(): Promise<number | undefined>;
  /** The edge itself when it runs in this process (its metrics, for tests); undefined for a child process. */
  readonly inProcess?: RunningEdge | undefined;
}

/** What a system's edge is started with, in this process or as a child process. */
export interface SystemEdgeLaunch {
  site: SiteLayout;
  logger: Logger;
  edgeId: string;
  dataDir: string;
  /** The embedded device broker's port; 0 = any free port. */
  deviceMqttPort: number;
  /** Serve the edge's Prometheus metrics on this port (0: any free port); none in this process when absent. */
  edgeMetricsPort?: number | undefined;
  referencePollMs?: number | undefined;
  shelfSettleMs?: number | undefined;
  /** Pipeline settings over the defaults; in this process only. */
  pipeline?: EdgeOptions["pipeline"];
  /** The cloud's broker (or the proxy in front of it) and HTTP API, and the edge's credential there. */
  uplinkMqttUrl: string;
  cloudUrl: string;
  edgeToken: string;
}

/** A system's edge that can be restarted: each `view()` is of the edge running now. */
export interface ManagedEdge {
  view(): SystemEdge;
  /** The OPC-UA shelves not monitored after `timeoutMs`; none for a child process, which retries on its own. */
  shelvesReady(timeoutMs: number): Promise<{ waiting: string[] }>;
  /** Stops the edge (a child with SIGKILL) and starts it again on the same device port. */
  restart(): Promise<void>;
  /** Stops the edge; a second call does nothing. */
  close(): Promise<void>;
}
