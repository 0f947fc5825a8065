import { setTimeout as sleep } from "node:timers/promises";
import { scrapeMetrics } from "./prometheus-text.js";
import type { SystemEdge } from "./system-edge.js";

/** An edge outside this process, known by its device broker and its Prometheus metrics. */
export interface EdgeByMetrics {
  deviceMqttUrl: string;
  /** Its `/metrics` URL. */
  metricsUrl: string;
}

/**
 * A view of an edge from its metrics alone (a child process, or an edge
 * another process runs). Drained: nothing observed for `settleMs` (longer
 * than its pipelines hold data), and the outbox empty.
 */
export function edgeViewFromMetrics(edge: EdgeByMetrics, settleMs: number): SystemEdge {
  const scrape = () => scrapeMetrics(edge.metricsUrl);
  return {
    deviceMqttUrl: edge.deviceMqttUrl,
    metricsUrl: edge.metricsUrl,
    eventsQueued: async () => (await scrape()).get("tally_edge_events_queued_total") ?? 0,
    messagesReceived: async () => (await scrape()).get("tally_edge_messages_received_total") ?? 0,
    referenceAsOfMs: async () => {
      const seconds = (await scrape()).get("tally_edge_reference_as_of_seconds") ?? 0;
      return seconds === 0 ? undefined : seconds * 1000;
    },
    drained: async () => {
      let last = { observations: -1, at: Date.now() };
      for (;;) {
        const metrics = await scrape().catch(() => undefined);
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
