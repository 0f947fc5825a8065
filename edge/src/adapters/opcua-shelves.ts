import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Condition, ShelfDevice, SiteLayout } from "@tally/protocols";
import type { Logger } from "pino";
import type { BinQualityConfig } from "../domain/bin-quality.js";
import { groupShelvesBySession } from "../domain/opcua-endpoint-groups.js";
import type { ShelfLinkConfig } from "../domain/shelf-link-watch.js";
import type { ShelfRefusal } from "../domain/shelf-refusal.js";
import { prepareOpcuaClientPki } from "./opcua-client-pki.js";
import type { OpcuaEndpointConnection } from "./opcua-endpoint-session.js";
import {
  createOpcuaShelfLink,
  insecureSetting,
  type OpcuaShelfLink,
  type OpcuaShelfOptions,
  type OpcuaShelfSource,
} from "./opcua-shelf-source.js";

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
  return connectOpcuaShelfSources(shelves, {
    logger,
    pki,
    mode,
    secretEnv: options.opcua?.secretEnv ?? {},
    onCondition: options.onCondition,
    siteId: site.siteId,
    newId: options.newId,
    ...(options.opcua?.link !== undefined ? { link: options.opcua.link } : {}),
    ...(options.opcua?.quality !== undefined ? { quality: options.opcua.quality } : {}),
  });
}

/** Connects one OPC-UA shelf on a session of its own (shelves of a site share theirs: `connectOpcuaShelves`). */
export function connectOpcuaShelf(shelf: ShelfDevice, options: OpcuaShelfOptions): OpcuaShelfSource {
  const [source] = connectOpcuaShelfSources([shelf], options);
  if (source === undefined) throw new Error("unreachable: one shelf in, one source out");
  return source;
}

/**
 * The shelves as device sources, at once; their sessions open in the
 * background: one per endpoint, security and identity (decision 0188), from
 * a module loaded only now, so that a process without OPC-UA shelves never
 * loads node-opcua (decision 0189). A shelf configured with security None or
 * an anonymous user outside development mode is refused and never connected;
 * the condition stays raised while the edge runs.
 */
export function connectOpcuaShelfSources(
  shelves: readonly ShelfDevice[],
  options: OpcuaShelfOptions,
): OpcuaShelfSource[] {
  const links = shelves.map((shelf) => createOpcuaShelfLink(shelf, options));
  const connectable: OpcuaShelfLink[] = [];
  for (const link of links) {
    const insecure = insecureSetting(link.shelf);
    if (insecure === undefined) {
      connectable.push(link);
    } else if (options.mode === "production") {
      // Nothing to retry: the site file must change.
      link.refused({
        code: "INSECURE",
        reason: `the shelf is configured with ${insecure}, which the edge refuses outside development mode`,
        fix: "give the shelf a security block in the site file (mode SignAndEncrypt, a policy such as Basic256Sha256, a userName or certificate identity), or run the edge in development mode on a test bench",
        transient: false,
      });
    } else {
      link.logger.warn({ endpointUrl: link.shelf.endpointUrl }, `development mode: connecting with ${insecure}`);
      connectable.push(link);
    }
  }
  if (connectable.length > 0) {
    const module = import("./opcua-endpoint-session.js");
    for (const group of groupShelvesBySession(connectable)) shareSession(group, module, options);
  }
  return links.map((link) => link.source);
}

/** One session for the group; it closes once the last of its shelves is closed. */
function shareSession(
  group: OpcuaShelfLink[],
  module: Promise<typeof import("./opcua-endpoint-session.js")>,
  options: OpcuaShelfOptions,
): void {
  const connection: Promise<OpcuaEndpointConnection | undefined> = module.then(
    ({ connectOpcuaEndpoint }) =>
      group.every((link) => link.closed)
        ? undefined
        : connectOpcuaEndpoint(group, { logger: options.logger, pki: options.pki, secretEnv: options.secretEnv }),
    (error: unknown) => {
      const refusal: ShelfRefusal = {
        code: "SESSION_FAILED",
        reason: `the OPC-UA client library cannot be loaded: ${(error as Error).message}`,
        fix: "reinstall the edge's dependencies (npm install)",
        transient: false,
      };
      for (const link of group) link.refused(refusal);
      return undefined;
    },
  );
  let open = group.length;
  for (const link of group) {
    link.onClose = async () => {
      open--;
      if (open === 0) await (await connection)?.close();
    };
  }
}
