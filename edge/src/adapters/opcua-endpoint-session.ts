import { OPCUA_NO_SECURITY } from "@tally/protocols";
import {
  type ClientSession,
  type ClientSubscription,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
} from "node-opcua";
import type { Logger } from "pino";
import { RejectedCopiesSweepSchedule } from "../domain/rejected-copies-sweep.js";
import { classifyShelfFailure, type ShelfRefusal, type ShelfStage } from "../domain/shelf-refusal.js";
import { createShelfSubscription, itemsPerCall, monitorShelfBins } from "./opcua-bin-monitor.js";
import type { OpcuaClientPki } from "./opcua-client-pki.js";
import { dropRejectedCopiesOfTrusted } from "./opcua-pki-store.js";
import { shelfSampling } from "./opcua-sampling.js";
import type { OpcuaShelfLink } from "./opcua-shelf-source.js";
import { IdentitySecretError, resolveUserIdentity } from "./opcua-user-identity.js";

export interface OpcuaEndpointOptions {
  logger: Logger;
  /** The client PKI, once it is ready (it may be created in the background at the first start). */
  pki: Promise<OpcuaClientPki>;
  /** Where `passwordEnv` names are looked up. */
  secretEnv: Readonly<Record<string, string | undefined>>;
}

export interface OpcuaEndpointConnection {
  /** Ends the session and every retry; waits for an attempt in flight. */
  close(): Promise<void>;
}

/** A session's resources, closed together. */
interface Attempt {
  client: OPCUAClient;
  manager: OPCUACertificateManager;
  session?: ClientSession;
  /** One subscription per publishing interval, made when the first shelf of that interval is monitored. */
  subscriptions: Map<number, Promise<ClientSubscription>>;
  perCall: number;
  pkiDir: string;
}

/**
 * A certificate manager over the PKI for one connection attempt. A fresh one
 * each time reads the folders again, so a certificate trusted since (by the
 * CLI, or by hand) counts at the next attempt without a restart.
 */
function certificateManagerFor(pki: OpcuaClientPki): OPCUACertificateManager {
  return new OPCUACertificateManager({
    rootFolder: pki.dir,
    automaticallyAcceptUnknownCertificate: pki.trustOnFirstUse,
    disableFileWatchers: true,
  });
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One OPC-UA client and one session for every shelf behind an endpoint with
 * the same security mode, policy and user identity (decision 0188), and one
 * subscription per publishing interval on it; each shelf's bins are
 * monitored in calls of at most the server's MaxMonitoredItemsPerCall. The
 * session keeps at it: every refusal (endpoint missing, certificate untrusted
 * either way, identity rejected, session failure) and every loss (server
 * restart) is reported to each shelf (which logs it, counts it and raises
 * SHELF_UNREACHABLE after its grace) and followed by a new attempt after the
 * shortest of their backoffs, for as long as the edge runs. node-opcua's own
 * reconnection is off (`maxRetry: 0`) so that every failure comes back here;
 * each attempt builds a new client, session and subscriptions. A shelf whose
 * bins cannot be monitored (its folder cannot be browsed) is refused alone
 * and retried alone on the same session.
 */
export function connectOpcuaEndpoint(
  links: readonly OpcuaShelfLink[],
  options: OpcuaEndpointOptions,
): OpcuaEndpointConnection {
  const [first] = links;
  if (first === undefined) return { close: async () => {} };
  const endpointUrl = first.shelf.endpointUrl ?? "";
  const security = first.shelf.security ?? OPCUA_NO_SECURITY;
  const logger = options.logger.child({ endpointUrl, shelves: links.length });
  let closed = false;
  let current: Attempt | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  const shelfRetries = new Map<OpcuaShelfLink, NodeJS.Timeout>();
  const open = () => links.filter((link) => !link.closed);

  const teardown = async (closeSession: boolean) => {
    const attempt = current;
    current = undefined;
    for (const timer of shelfRetries.values()) clearTimeout(timer);
    shelfRetries.clear();
    if (attempt === undefined) return;
    attempt.client.removeAllListeners();
    attempt.session?.removeAllListeners();
    if (closeSession) {
      try {
        await attempt.session?.close(true);
      } catch {
        // The server may already be gone; disconnecting is what matters.
      }
    }
    try {
      await attempt.client.disconnect();
    } catch {
      // Same: nothing left to release on a dead connection.
    }
    await attempt.manager.dispose().catch(() => undefined);
  };

  /** The whole session is refused: every shelf hears it; the next attempt comes after the shortest backoff. */
  const refuseAll = (refusal: ShelfRefusal) => {
    const delays = open().map((link) => link.refused(refusal));
    if (closed || delays.length === 0) return;
    retryTimer = setTimeout(() => void run(), Math.min(...delays));
  };

  const subscriptionFor = (attempt: Attempt, session: ClientSession, publishingIntervalMs: number) => {
    let subscription = attempt.subscriptions.get(publishingIntervalMs);
    if (subscription === undefined) {
      subscription = createShelfSubscription(session, publishingIntervalMs);
      attempt.subscriptions.set(publishingIntervalMs, subscription);
      subscription.then(
        (made) => made.on("terminated", () => onLost(attempt, "subscription terminated by the server")),
        () => attempt.subscriptions.delete(publishingIntervalMs),
      );
    }
    return subscription;
  };

  /** Monitors one shelf's bins on the attempt's session; a failure refuses that shelf alone and retries it alone. */
  const monitorShelf = async (attempt: Attempt, session: ClientSession, link: OpcuaShelfLink): Promise<void> => {
    shelfRetries.delete(link);
    if (link.closed || current !== attempt) return;
    try {
      const interval = shelfSampling(link.shelf.sampling).publishingIntervalMs;
      const subscription = await subscriptionFor(attempt, session, interval);
      const result = await monitorShelfBins(session, subscription, link.shelf, attempt.perCall, (location, value) =>
        link.value(location, value),
      );
      if (current !== attempt) return;
      link.monitored(result);
      link.logger.info(
        {
          endpointUrl,
          bins: link.shelf.bins.length,
          monitored: result.monitored,
          itemsPerCall: attempt.perCall,
          publishingIntervalMs: interval,
          mode: security.mode,
          policy: security.policy,
          identity: security.identity.type,
        },
        "monitoring OPC-UA shelf",
      );
    } catch (error) {
      // A session lost meanwhile is handled as a loss, for every shelf at once.
      if (current !== attempt || link.closed) return;
      const delay = link.refused(classifyShelfFailure("subscribe", messageOf(error), { pkiDir: attempt.pkiDir }));
      shelfRetries.set(
        link,
        setTimeout(() => void monitorShelf(attempt, session, link), delay),
      );
    }
  };

  const onLost = (attempt: Attempt, why: string) => {
    if (current !== attempt || closed) return;
    for (const link of open()) link.lost();
    void teardown(false).then(() => refuseAll(classifyShelfFailure("lost", why, { pkiDir: attempt.pkiDir })));
  };

  // Before the first attempt, and after a refusal of the server's certificate only: each sweep parses every certificate.
  const sweep = new RejectedCopiesSweepSchedule();
  const dropStaleRejectedCopies = async (pkiDir: string) => {
    for (const stale of await dropRejectedCopiesOfTrusted(pkiDir)) {
      logger.info(
        { thumbprint: stale.thumbprint, subject: stale.subject, file: stale.file },
        "OPC-UA certificate is trusted: its stale copy in rejected/ removed",
      );
    }
    sweep.swept();
  };

  // The attempt in flight: close() waits for it, so nothing (a session, the PKI's files) is still being written after.
  let inFlight: Promise<void> | undefined;
  const run = (): Promise<void> => {
    const running = attempt().finally(() => {
      if (inFlight === running) inFlight = undefined;
    });
    inFlight = running;
    return running;
  };

  const attempt = async (): Promise<void> => {
    retryTimer = undefined;
    if (closed) return;
    let stage: ShelfStage = "connect";
    let pkiDir = "(not ready)";
    try {
      const pki = await options.pki;
      pkiDir = pki.dir;
      if (sweep.due) await dropStaleRejectedCopies(pki.dir);
      const identity = await resolveUserIdentity(security.identity, options.secretEnv);
      const manager = certificateManagerFor(pki);
      const client = OPCUAClient.create({
        applicationName: pki.applicationName,
        applicationUri: pki.applicationUri,
        clientCertificateManager: manager,
        certificateFile: pki.certificateFile,
        privateKeyFile: pki.privateKeyFile,
        securityMode: MessageSecurityMode[security.mode],
        securityPolicy: SecurityPolicy[security.policy],
        endpointMustExist: false,
        keepSessionAlive: true,
        // No retries inside node-opcua: each failure comes back to this loop (see above).
        connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 1000 },
      });
      const made: Attempt = { client, manager, subscriptions: new Map(), perCall: 0, pkiDir };
      current = made;
      if (closed) return await teardown(false);
      await client.connect(endpointUrl);
      stage = "session";
      const session = await client.createSession(identity);
      made.session = session;
      if (closed) return await teardown(true);
      client.on("connection_lost", () => onLost(made, "connection to the server lost"));
      client.on("close", () => onLost(made, "connection to the server closed"));
      session.on("keepalive_failure", () => onLost(made, "session keep-alive failed"));
      session.on("session_closed", () => onLost(made, "session closed by the server"));
      stage = "subscribe";
      made.perCall = await itemsPerCall(session);
      logger.info(
        { mode: security.mode, policy: security.policy, identity: security.identity.type, itemsPerCall: made.perCall },
        "OPC-UA session open",
      );
      // One shelf after the other: their CreateMonitoredItems calls stay within the server's limits.
      for (const link of open()) await monitorShelf(made, session, link);
    } catch (error) {
      await teardown(false);
      if (closed) return;
      const message = messageOf(error);
      const refusal: ShelfRefusal =
        error instanceof IdentitySecretError
          ? {
              code: "SECRET_UNAVAILABLE",
              reason: message,
              fix: "set the environment variable or create the file the shelf's identity names in the site file",
              transient: false,
            }
          : classifyShelfFailure(stage, message, { pkiDir });
      sweep.refused(refusal.code);
      refuseAll(refusal);
    }
  };

  void run();

  return {
    close: async () => {
      closed = true;
      clearTimeout(retryTimer);
      // Disconnecting first ends a connect in progress; then the attempt sees `closed` and returns.
      await teardown(true);
      await inFlight?.catch(() => undefined);
      await options.pki.catch(() => undefined);
      await teardown(false);
    },
  };
}
