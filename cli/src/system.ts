import { type RunningCloud, startCloud } from "@tally/cloud";
import { type RunningEdge, startEdge } from "@tally/edge";
import type { SiteLayout } from "@tally/protocols";
import { type RunningSimulators, startSimulators } from "@tally/simulators";
import type { Logger } from "pino";

export interface SystemOptions {
  site: SiteLayout;
  logger: Logger;
  http: { host: string; port: number };
  /** The cloud's embedded broker (edge → cloud); port 0 = any free port. */
  cloudMqttPort: number;
  /** The edge's embedded broker for devices; port 0 = any free port. */
  deviceMqttPort: number;
  dataDir: string;
  databaseUrl?: string | undefined;
  edgeId: string;
  /** Smart-shelf settle time, ms. */
  shelfSettleMs?: number;
  /** Start the device simulators too (default true). */
  simulators?: boolean;
}

export interface RunningSystem {
  cloud: RunningCloud;
  edge: RunningEdge;
  simulators: RunningSimulators | undefined;
  close(): Promise<void>;
}

/**
 * Cloud, edge and simulators in one process on the embedded defaults: what
 * `tally up` runs and the end-to-end test drives. Stops in reverse order.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { site, logger } = options;
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => logger.error({ err: (error as Error).message }, "error while stopping"));
    }
  };
  try {
    const cloud = await startCloud({
      host: options.http.host,
      port: options.http.port,
      dataDir: options.dataDir,
      databaseUrl: options.databaseUrl,
      mqtt: { embedded: { port: options.cloudMqttPort } },
      logger,
    });
    stops.push(() => cloud.close());
    const edge = await startEdge({
      site,
      edgeId: options.edgeId,
      devices: { embedded: { port: options.deviceMqttPort } },
      uplink: { mqttUrl: cloud.mqttUrl },
      logger,
      dataDir: options.dataDir,
      ...(options.shelfSettleMs !== undefined ? { pipeline: { weights: { settleMs: options.shelfSettleMs } } } : {}),
    });
    stops.push(() => edge.close());
    let simulators: RunningSimulators | undefined;
    if (options.simulators !== false) {
      simulators = await startSimulators({ site, mqttUrl: edge.deviceMqttUrl, logger });
      stops.push(() => (simulators as RunningSimulators).close());
      const { waiting } = await edge.shelvesReady(20_000);
      if (waiting.length > 0) logger.warn({ waiting }, "OPC-UA shelves not monitored yet; their weights will be late");
    }
    return { cloud, edge, simulators, close };
  } catch (error) {
    await close();
    throw error;
  }
}
