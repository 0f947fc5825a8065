import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Condition } from "@tally/protocols";
import type { Logger } from "pino";
import { type ReferenceDataSync, startReferenceDataSync } from "./adapters/http-reference-data.js";
import { ReferenceStaleWatch } from "./domain/reference-stale-watch.js";
import type { EdgeOptions } from "./edge-options.js";

/** How long the cloud may not confirm the edge's reference data before REFERENCE_DATA_STALE, ms: 10 min. */
export const DEFAULT_REFERENCE_STALE_MS = 10 * 60_000;

/**
 * Starts polling the cloud's reference data (item master, expected receipts and shipments) when the options name
 * the cloud, cached under the data folder; undefined without.
 */
export async function startEdgeReferenceData(
  options: EdgeOptions,
  context: {
    logger: Logger;
    newId: () => string;
    raise: (condition: Condition) => void;
    closers: (() => Promise<void>)[];
  },
): Promise<ReferenceDataSync | undefined> {
  if (options.reference === undefined) return undefined;
  const { logger, newId, raise, closers } = context;
  const { site, edgeId } = options;
  const staleMs = options.reference.staleMs ?? DEFAULT_REFERENCE_STALE_MS;
  const edgeDir = options.dataDir === undefined ? undefined : join(options.dataDir, "edge", edgeId);
  // A raise outlives the process: the next run clears it at its first confirmation, once the cloud answers.
  const marker = edgeDir === undefined ? undefined : new RaisedMarker(join(edgeDir, "reference-data-stale"));
  const stale = new ReferenceStaleWatch(edgeId, site.siteId, staleMs, Date.now(), newId, marker?.isSet() ?? false);
  const reference = await startReferenceDataSync({
    cloudUrl: options.reference.cloudUrl,
    token: options.reference.token,
    siteId: site.siteId,
    pollMs: options.reference.pollMs ?? 30_000,
    cacheFile: edgeDir === undefined ? undefined : join(edgeDir, "reference-data.json"),
    siteItems: site.items,
    logger,
    onPolled: (outcome) => {
      const condition = stale.polled(outcome, Date.now());
      if (condition === undefined) return;
      raise(condition);
      marker?.set(stale.raised, logger);
    },
  });
  closers.push(async () => reference.close());
  return reference;
}

/** A file whose presence says a condition stands raised, kept beside the edge's outbox. */
class RaisedMarker {
  constructor(private readonly file: string) {}

  isSet(): boolean {
    return existsSync(this.file);
  }

  /** Best effort: a marker that cannot be written costs at most a clear the next run does not send. */
  set(raised: boolean, logger: Logger): void {
    try {
      if (raised) {
        mkdirSync(dirname(this.file), { recursive: true });
        writeFileSync(this.file, "");
      } else rmSync(this.file, { force: true });
    } catch (error) {
      logger.warn({ err: (error as Error).message, file: this.file }, "cannot record the reference data's stale state");
    }
  }
}
