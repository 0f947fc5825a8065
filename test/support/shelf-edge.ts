import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { type RunningCloud, startCloud } from "@tally/cloud";
import { type EdgeOptions, type RunningEdge, startEdge } from "@tally/edge";
import type { SiteLayout } from "@tally/protocols";
import type { Logger } from "pino";
import { linkEdge } from "./link-edge.js";

export interface CloudAndShelfEdgeOptions {
  /** The test's temporary folder: the cloud's data goes in a folder of its own under it. */
  root: string;
  site: SiteLayout;
  edgeId: string;
  logger: Logger;
  /** Gets what stops the cloud and the edge, to run in reverse after the test. */
  stops: (() => Promise<unknown>)[];
  /** Added to the edge's options (its `opcua` settings, a `dataDir`, another `mode`). */
  edge?: Partial<Omit<EdgeOptions, "site" | "edgeId" | "uplink" | "logger">>;
  /** The uplink's wait for an acknowledgement before it sends again, ms. */
  ackTimeoutMs?: number;
}

/**
 * The setup the OPC-UA shelf tests share: a cloud on SQLite in a fresh folder
 * (API and broker on ports the OS picks) with the site imported, and an edge
 * for the site with its own credential, its HTTP uplink flushing every 10 ms
 * and its device broker on a port the OS picks. The edge runs in development
 * mode unless `edge.mode` says otherwise: the shelf servers of these tests
 * are None/anonymous benches, which only development mode connects.
 */
export async function cloudAndShelfEdge(
  options: CloudAndShelfEdgeOptions,
): Promise<{ cloud: RunningCloud; edge: RunningEdge }> {
  const { root, site, edgeId, logger, stops } = options;
  const cloud = await startCloud({
    port: 0,
    dataDir: await mkdtemp(join(root, "cloud-")),
    mqtt: { embedded: { port: 0 } },
    logger,
  });
  stops.push(() => cloud.close());
  const edge = await startEdge({
    mode: "development",
    devices: { embedded: { port: 0 } },
    ...options.edge,
    site,
    edgeId,
    uplink: {
      httpUrl: cloud.url,
      token: await linkEdge(cloud, site, edgeId),
      flushMs: 10,
      ...(options.ackTimeoutMs !== undefined ? { ackTimeoutMs: options.ackTimeoutMs } : {}),
    },
    logger,
  });
  stops.push(() => edge.close());
  return { cloud, edge };
}
