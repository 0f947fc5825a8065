import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_PIPELINE_CONFIG, pipelineSettleMs } from "@tally/edge";
import { type EdgeProcess, type EdgeProcessOptions, freeTcpPort, spawnEdgeProcess } from "./edge-process.js";
import type { ManagedEdge, SystemEdge, SystemEdgeLaunch } from "./system-edge.js";

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

/**
 * A view of an edge in a child process, its figures scraped from its metrics.
 * Drained: nothing observed for `settleMs` (longer than its pipelines hold data), and the outbox empty.
 */
function childView(running: EdgeProcess, settleMs: number): SystemEdge {
  return {
    deviceMqttUrl: running.deviceMqttUrl,
    metricsUrl: running.metricsUrl,
    eventsQueued: async () => (await running.scrape()).get("tally_edge_events_queued_total") ?? 0,
    messagesReceived: async () => (await running.scrape()).get("tally_edge_messages_received_total") ?? 0,
    referenceAsOfMs: async () => {
      const seconds = (await running.scrape()).get("tally_edge_reference_as_of_seconds") ?? 0;
      return seconds === 0 ? undefined : seconds * 1000;
    },
    drained: async () => {
      let last = { observations: -1, at: Date.now() };
      for (;;) {
        const metrics = await running.scrape().catch(() => undefined);
        if (metrics !== undefined) {
          const observations = metrics.get("tally_edge_observations_total") ?? 0;
          if (observations !== last.observations) last = { observations, at: Date.now() };
          else if (Date.now() - last.at >= settleMs && metrics.get("tally_edge_outbox_depth") === 0) return;
        }
        await sleep(100);
      }
    },
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
    view: () => childView(child, settleMs),
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
