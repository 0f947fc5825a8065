import type { Logger } from "pino";
import { type EdgeMetricsServer, startMetricsServer } from "./adapters/metrics-server.js";
import type { EdgeOptions } from "./edge-options.js";
import type { EdgeMetrics } from "./metrics.js";
import type { Outbox } from "./ports/outbox.js";

export interface EdgeMetricsServerContext {
  options: EdgeOptions;
  metrics: () => EdgeMetrics;
  outbox: Pick<Outbox, "peek">;
  logger: Logger;
  /** Where the server's close is pushed (the edge closes in reverse). */
  closers: (() => Promise<void>)[];
}

/** Serves the edge's Prometheus metrics when the options ask for it (else undefined). */
export async function startEdgeMetricsServer(
  context: EdgeMetricsServerContext,
): Promise<EdgeMetricsServer | undefined> {
  const { options, outbox } = context;
  if (options.metricsServer === undefined) return undefined;
  const server = await startMetricsServer({
    host: options.metricsServer.host ?? "127.0.0.1",
    port: options.metricsServer.port,
    metrics: context.metrics,
    oldestAgeMs: async () => {
      const [oldest] = await outbox.peek(1);
      return oldest === undefined ? undefined : Math.max(0, Date.now() - Date.parse(oldest.occurredAt));
    },
    logger: context.logger,
  });
  context.closers.push(() => server.close());
  return server;
}
