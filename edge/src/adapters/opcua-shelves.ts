import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Condition, SiteLayout } from "@tally/protocols";
import type { Logger } from "pino";
import type { BinQualityConfig } from "../domain/bin-quality.js";
import type { ShelfLinkConfig } from "../domain/shelf-link-watch.js";
import { prepareOpcuaClientPki } from "./opcua-client-pki.js";
import { connectOpcuaShelf, type OpcuaShelfSource } from "./opcua-shelf-source.js";

/** How the edge's OPC-UA client is set up (`EdgeOptions.opcua`). */
export interface EdgeOpcuaOptions {
  /**
   * The client PKI (own certificate, trusted/, rejected/): default
   * `${dataDir}/edge/${edgeId}/pki`, or a per-user folder under the OS temp dir without a dataDir.
   */
  pkiDir?: string | undefined;
  /** Where the site file's `passwordEnv` names are looked up (the CLI passes the process environment); none by default. */
  secretEnv?: Readonly<Record<string, string | undefined>>;
  /** Retry backoff and the grace before SHELF_UNREACHABLE for an unreachable shelf. */
  link?: Partial<ShelfLinkConfig>;
  /** How long a bin may go without a good value before SHELF_UNSTABLE (default 30 s). */
  quality?: Partial<BinQualityConfig>;
}

/**
 * Connects every OPC-UA shelf of the site, after preparing the client PKI in
 * the background (making the key pair at the first start takes seconds: the
 * shelves wait for it, the rest of the edge does not).
 */
export function connectOpcuaShelves(options: {
  site: SiteLayout;
  edgeId: string;
  dataDir?: string | undefined;
  mode: "development" | "production";
  opcua?: EdgeOpcuaOptions | undefined;
  logger: Logger;
  newId: () => string;
  onCondition: (condition: Condition) => void;
}): OpcuaShelfSource[] {
  const { site, edgeId, mode, logger } = options;
  const shelves = site.devices.flatMap((d) => (d.kind === "shelf" && d.transport === "opcua" ? [d] : []));
  if (shelves.length === 0) return [];
  const pkiDir =
    options.opcua?.pkiDir ??
    (options.dataDir !== undefined
      ? join(options.dataDir, "edge", edgeId, "pki")
      : join(tmpdir(), `tally-edge-opcua-pki-${process.getuid?.() ?? "user"}`, edgeId));
  if (mode === "development") {
    logger.warn(
      { pkiDir },
      "development mode: OPC-UA shelves with security None or anonymous users are connected, and server certificates the edge does not know are trusted on first use",
    );
  }
  const pki = prepareOpcuaClientPki(pkiDir, { edgeId, trustOnFirstUse: mode === "development", logger });
  pki.catch((error: unknown) =>
    logger.error({ pkiDir, err: (error as Error).message }, "OPC-UA client PKI cannot be prepared"),
  );
  return shelves.map((shelf) =>
    connectOpcuaShelf(shelf, {
      logger,
      pki,
      mode,
      secretEnv: options.opcua?.secretEnv ?? {},
      onCondition: options.onCondition,
      siteId: site.siteId,
      newId: options.newId,
      ...(options.opcua?.link !== undefined ? { link: options.opcua.link } : {}),
      ...(options.opcua?.quality !== undefined ? { quality: options.opcua.quality } : {}),
    }),
  );
}
