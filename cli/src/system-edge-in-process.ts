import { type EdgeOptions, type RunningEdge, startEdge } from "@tally/edge";
import type { ManagedEdge, SystemEdge, SystemEdgeLaunch } from "./system-edge.js";

/** The edge's options for a device broker on `port`: development mode, a durable outbox, this launch's uplink. */
function inProcessEdgeOptions(launch: SystemEdgeLaunch, port: number): EdgeOptions {
  const pipeline = {
    ...launch.pipeline,
    ...(launch.shelfSettleMs !== undefined ? { weights: { settleMs: launch.shelfSettleMs } } : {}),
  };
  return {
    site: launch.site,
    edgeId: launch.edgeId,
    // Anonymous simulated devices and None/anonymous simulated shelves (decision 0005), on the loopback.
    mode: "development",
    devices: { embedded: { port } },
    uplink: { mqttUrl: launch.uplinkMqttUrl, token: launch.edgeToken },
    logger: launch.logger,
    // A durable outbox: a restarted edge sends what it had not delivered.
    dataDir: launch.dataDir,
    reference: { cloudUrl: launch.cloudUrl, token: launch.edgeToken, pollMs: launch.referencePollMs ?? 30_000 },
    ...(launch.edgeMetricsPort !== undefined ? { metricsServer: { port: launch.edgeMetricsPort } } : {}),
    ...(Object.keys(pipeline).length > 0 ? { pipeline } : {}),
    opcua: { secretEnv: process.env },
  };
}

/** A view of an edge in this process, its figures read from its own metrics. */
function inProcessView(edge: RunningEdge): SystemEdge {
  return {
    deviceMqttUrl: edge.deviceMqttUrl,
    metricsUrl: edge.metricsUrl,
    drained: () => edge.drained(),
    eventsQueued: async () => edge.metrics().eventsQueued,
    messagesReceived: async () => edge.metrics().messagesReceived,
    referenceAsOfMs: async () => {
      const asOf = edge.metrics().referenceAsOf;
      return asOf === undefined ? undefined : Date.parse(asOf);
    },
    inProcess: edge,
  };
}

/** Starts the system's edge in this process; a restart closes it and starts another on the same device port. */
export async function startInProcessEdge(launch: SystemEdgeLaunch): Promise<ManagedEdge> {
  let edge = await startEdge(inProcessEdgeOptions(launch, launch.deviceMqttPort));
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await edge.close();
  };
  return {
    view: () => inProcessView(edge),
    shelvesReady: (timeoutMs) => edge.shelvesReady(timeoutMs),
    async restart() {
      const port = Number(new URL(edge.deviceMqttUrl).port);
      launch.logger.warn({ outboxDepth: edge.metrics().outboxDepth }, "restarting the edge");
      await close();
      edge = await startEdge(inProcessEdgeOptions(launch, port));
      closed = false;
    },
    close,
  };
}
