import { type Condition, OPCUA_NO_SECURITY, type ShelfDevice } from "@tally/protocols";
import {
  type ClientSession,
  type DataValue,
  MessageSecurityMode,
  type OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
} from "node-opcua";
import type { Logger } from "pino";
import { Subject } from "rxjs";
import { BinQuality, type BinQualityConfig, DEFAULT_BIN_QUALITY_CONFIG } from "../domain/bin-quality.js";
import type { WeightObservation } from "../domain/observation.js";
import { DEFAULT_SHELF_LINK_CONFIG, type ShelfLinkConfig, ShelfLinkWatch } from "../domain/shelf-link-watch.js";
import { classifyShelfFailure, type ShelfRefusal, type ShelfStage } from "../domain/shelf-refusal.js";
import { TimestampText } from "../domain/timestamp-text.js";
import type { DeviceSource, DeviceSourceMetrics } from "../ports/device-source.js";
import { monitorShelfBins } from "./opcua-bin-monitor.js";
import { certificateManagerFor, type OpcuaClientPki } from "./opcua-client-pki.js";
import { IdentitySecretError, resolveUserIdentity } from "./opcua-user-identity.js";

/**
 * One OPC-UA shelf as a device source: `ready` resolves when its bins are
 * monitored (the first time); `metrics().refused` counts values that were
 * not weights by status name, `reconnects` the refusals and losses.
 */
export interface OpcuaShelfSource extends DeviceSource {
  readonly observations$: Subject<WeightObservation>;
  /** Bins without a good value right now. */
  badBins(): number;
  /** Bins monitored on the current session: 0 while the shelf is not connected. */
  monitoredBins(): number;
}

export interface OpcuaShelfOptions {
  logger: Logger;
  /** The client PKI, once it is ready (it may be created in the background at the first start). */
  pki: Promise<OpcuaClientPki>;
  /** Production refuses security mode None and anonymous users; development connects them and says so. */
  mode: "development" | "production";
  /** Where `passwordEnv` names are looked up. */
  secretEnv: Readonly<Record<string, string | undefined>>;
  /** SHELF_UNREACHABLE and SHELF_UNSTABLE raised and cleared: the caller queues them like any event. */
  onCondition: (condition: Condition) => void;
  siteId: string;
  newId: () => string;
  link?: Partial<ShelfLinkConfig>;
  /** How long a bin may go without a good value before SHELF_UNSTABLE (default 30 s). */
  quality?: Partial<BinQualityConfig>;
  random?: () => number;
}

/** A connection attempt's resources, closed together. */
interface Attempt {
  client: OPCUAClient;
  manager: OPCUACertificateManager;
  session?: ClientSession;
}

/**
 * Subscribes to the weight variable of each bin of an OPC-UA smart shelf
 * (by node id or by browsing its folder, in chunks the server accepts), with
 * the shelf's security and user identity, and keeps at it: every refusal
 * (endpoint missing, certificate untrusted either way, identity rejected,
 * session failure) and every loss (server restart) is followed by a new
 * attempt after a capped, jittered backoff, for as long as the edge runs.
 * node-opcua's own reconnection is off (`maxRetry: 0`) so that every failure
 * comes back here, where it is classified, logged and raised as
 * SHELF_UNREACHABLE; each attempt builds a new client and subscription.
 * A value with a Bad or Uncertain status code, or that is not a finite
 * number, is refused and counted by status, never passed on (node-opcua
 * reports such problems as data); a bin that stays so raises SHELF_UNSTABLE.
 * After a reconnection every bin's current value arrives again: the
 * pipeline sees the same settled weight (no movement) or the change made
 * while the link was down (its movement).
 */
export function connectOpcuaShelf(shelf: ShelfDevice, options: OpcuaShelfOptions): OpcuaShelfSource {
  const logger = options.logger.child({ shelf: shelf.id });
  const weights$ = new Subject<WeightObservation>();
  const endpointUrl = shelf.endpointUrl ?? "";
  const security = shelf.security ?? OPCUA_NO_SECURITY;
  const quality = new BinQuality(
    shelf.id,
    { siteId: options.siteId, newId: options.newId },
    { ...DEFAULT_BIN_QUALITY_CONFIG, ...options.quality },
  );
  let received = 0;
  let monitoredNow = 0;
  const watch = new ShelfLinkWatch(
    shelf.id,
    { siteId: options.siteId, newId: options.newId },
    { ...DEFAULT_SHELF_LINK_CONFIG, ...options.link },
    options.random ?? Math.random,
    Date.now(),
  );
  let refusals = 0;
  let closed = false;
  let current: Attempt | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const seq = new Map<string, number>();
  const stamps = new TimestampText();

  const emit = (condition: Condition | undefined) => {
    if (condition !== undefined) options.onCondition(condition);
  };

  const teardown = async (closeSession: boolean) => {
    const attempt = current;
    current = undefined;
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

  const refuse = (refusal: ShelfRefusal) => {
    refusals++;
    const verdict = watch.refused(refusal, Date.now());
    logger[verdict.log](
      {
        code: refusal.code,
        reason: refusal.reason,
        fix: refusal.fix,
        attempt: verdict.attempt,
        retryInMs: verdict.delayMs,
      },
      "OPC-UA shelf not monitored; retrying",
    );
    emit(verdict.condition);
    retryTimer = setTimeout(() => void run(), verdict.delayMs);
  };

  const onValue = (location: string, value: DataValue) => {
    const grams: unknown = value.value.value;
    const now = Date.now();
    const good = value.statusCode.isGood();
    const weight = good && typeof grams === "number" && Number.isFinite(grams) ? grams : undefined;
    if (
      !quality.value(location, weight === undefined ? (good ? "NotAFiniteNumber" : value.statusCode.name) : "good", now)
    ) {
      logger.debug({ location, status: value.statusCode.name }, "OPC-UA weight refused");
      return;
    }
    if (weight === undefined) return;
    received++;
    const at = stamps.iso(value.sourceTimestamp ?? value.serverTimestamp, now);
    // Ids stay unique across reconnections: the counter is per bin for the life of the source.
    const n = seq.get(location) ?? 0;
    seq.set(location, n + 1);
    weights$.next({
      type: "weight",
      id: `${shelf.id}/${location}/${n}`,
      deviceId: shelf.id,
      location,
      grams: weight,
      at,
    });
  };
  // A bin that stays bad may send nothing more: its condition is checked on a clock.
  const qualityTimer = setInterval(() => emit(quality.check(Date.now())), 1000);
  qualityTimer.unref();

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
      current = { client, manager };
      if (closed) return await teardown(false);
      await client.connect(endpointUrl);
      stage = "session";
      const session = await client.createSession(identity);
      current.session = session;
      stage = "subscribe";
      const { subscription, monitored, unmonitored, itemsPerCall } = await monitorShelfBins(session, shelf, onValue);
      if (closed) return await teardown(true);
      for (const bin of unmonitored) quality.value(bin.location, bin.status, Date.now());
      if (unmonitored.length > 0) {
        logger.warn(
          { unmonitored: unmonitored.length, first: unmonitored.slice(0, 5) },
          "OPC-UA bins not monitored: counted as bins without a good weight",
        );
      }
      monitoredNow = monitored;
      emit(watch.monitored(Date.now()));
      logger.info(
        {
          endpointUrl,
          bins: shelf.bins.length,
          monitored,
          itemsPerCall,
          mode: security.mode,
          policy: security.policy,
          identity: security.identity.type,
        },
        "monitoring OPC-UA shelf",
      );
      resolveReady();
      let lost = false;
      const onLost = (why: string) => {
        if (lost || closed) return;
        lost = true;
        monitoredNow = 0;
        watch.lost(Date.now());
        void teardown(false).then(() => refuse(classifyShelfFailure("lost", why, { pkiDir })));
      };
      client.on("connection_lost", () => onLost("connection to the server lost"));
      client.on("close", () => onLost("connection to the server closed"));
      session.on("keepalive_failure", () => onLost("session keep-alive failed"));
      session.on("session_closed", () => onLost("session closed by the server"));
      subscription.on("terminated", () => onLost("subscription terminated by the server"));
    } catch (error) {
      await teardown(false);
      if (closed) return;
      const message = error instanceof Error ? error.message : String(error);
      refuse(
        error instanceof IdentitySecretError
          ? {
              code: "SECRET_UNAVAILABLE",
              reason: message,
              fix: "set the environment variable or create the file the shelf's identity names in the site file",
              transient: false,
            }
          : classifyShelfFailure(stage, message, { pkiDir }),
      );
    }
  };

  const insecure =
    security.mode === "None"
      ? `security mode None`
      : security.identity.type === "anonymous"
        ? "an anonymous user"
        : undefined;
  if (insecure !== undefined && options.mode === "production") {
    // Nothing to retry: the site file must change. The condition stays raised while the edge runs.
    const refusal: ShelfRefusal = {
      code: "INSECURE",
      reason: `the shelf is configured with ${insecure}, which the edge refuses outside development mode`,
      fix: "give the shelf a security block in the site file (mode SignAndEncrypt, a policy such as Basic256Sha256, a userName or certificate identity), or run the edge in development mode on a test bench",
      transient: false,
    };
    const verdict = watch.refused(refusal, Date.now());
    refusals++;
    logger.error(
      { code: refusal.code, reason: refusal.reason, fix: refusal.fix },
      "OPC-UA shelf refused: not connected",
    );
    emit(verdict.condition);
  } else {
    if (insecure !== undefined) {
      logger.warn(
        { endpointUrl, mode: security.mode, identity: security.identity.type },
        `development mode: connecting with ${insecure}`,
      );
    }
    void run();
  }

  return {
    id: shelf.id,
    observations$: weights$,
    ready,
    metrics: (): DeviceSourceMetrics => ({ received, refused: quality.counts(), reconnects: refusals }),
    badBins: () => quality.badBins(),
    monitoredBins: () => monitoredNow,
    close: async () => {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(qualityTimer);
      weights$.complete();
      // Disconnecting first ends a connect in progress; then the attempt sees `closed` and returns.
      await teardown(true);
      await inFlight?.catch(() => undefined);
      await options.pki.catch(() => undefined);
      await teardown(false);
    },
  };
}
