import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_PIPELINE_CONFIG, pipelineSettleMs } from "@tally/edge";
import { edgeViewFromMetrics } from "./edge-metrics-view.js";
import { type EdgeProcessOptions, freeTcpPort, spawnEdgeProcess } from "./edge-process.js";
import type { ManagedEdge, SystemEdgeLaunch } from "./system-edge.js";

/** `tally edge`'s settings for this launch: the site written to a file, free ports where none was given. */
async function childEdgeOptions(launch: SystemEdgeLaunch): Promise<EdgeProcessOptions> {
  const siteFile = join(launch.dataDir, "site.json");
  await writeFile(siteFile, JSON.stringify(launch.site));
  const edgeLog = launch.logger.child({ component: "edge-process" });
  return {
    siteFile,
    edgeId: launch.edgeId,
    dataDir: launch.dataDir,
    devicePort: launch.deviceMqttPort === 0 ? await freeTcpPort() : launch.deviceMqttPort,
    metricsPort:
      launch.edgeMetricsPort !== undefined && launch.edgeMetricsPort !== 0
        ? launch.edgeMetricsPort
        : await freeTcpPort(),
    uplinkMqttUrl: launch.uplinkMqttUrl,
    cloudUrl: launch.cloudUrl,
    cloudToken: launch.edgeToken,
    referencePollMs: launch.referencePollMs,
    shelfSettleMs: launch.shelfSettleMs,
    onLog: (line) => edgeLog.debug(line),
  };
}

/** Starts the system's edge as a child process (`tally edge`); a restart kills it with SIGKILL, like a crash. */
export async function startChildEdge(launch: SystemEdgeLaunch): Promise<ManagedEdge> {
  const options = await childEdgeOptions(launch);
  let child = await spawnEdgeProcess(options);
  let closed = false;
  // What the child edge runs: the default pipelines with this system's shelf settle time.
  const settleMs = pipelineSettleMs({
    ...DEFAULT_PIPELINE_CONFIG,
    weights: { ...DEFAULT_PIPELINE_CONFIG.weights, settleMs: launch.shelfSettleMs ?? 300 },
  });
  return {
    view: () => edgeViewFromMetrics(child, settleMs),
    shelvesReady: async () => ({ waiting: [] }),
    async restart() {
      launch.logger.warn({ pid: child.pid }, "killing the edge process (SIGKILL) and starting it again");
      await child.kill();
      child = await spawnEdgeProcess(options);
    },
    async close() {
      if (closed) return;
      closed = true;
      await child.close();
    },
  };
}
