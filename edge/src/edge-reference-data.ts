import { join } from "node:path";
import type { Logger } from "pino";
import { type ReferenceDataSync, startReferenceDataSync } from "./adapters/http-reference-data.js";
import type { EdgeOptions } from "./edge-options.js";

/**
 * Starts polling the cloud's reference data (item master, expected receipts and shipments) when the options name
 * the cloud, cached under the data folder; undefined without.
 */
export async function startEdgeReferenceData(
  options: EdgeOptions,
  logger: Logger,
  closers: (() => Promise<void>)[],
): Promise<ReferenceDataSync | undefined> {
  if (options.reference === undefined) return undefined;
  const { site, edgeId } = options;
  const reference = await startReferenceDataSync({
    cloudUrl: options.reference.cloudUrl,
    token: options.reference.token,
    siteId: site.siteId,
    pollMs: options.reference.pollMs ?? 30_000,
    cacheFile: options.dataDir === undefined ? undefined : join(options.dataDir, "edge", edgeId, "reference-data.json"),
    siteItems: site.items,
    logger,
  });
  closers.push(async () => reference.close());
  return reference;
}
