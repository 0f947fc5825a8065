import { type Condition, OPCUA_NO_SECURITY, type ShelfDevice } from "@tally/protocols";
import type { DataValue } from "node-opcua";
import type { Logger } from "pino";
import { Subject } from "rxjs";
import { BinQuality, type BinQualityConfig, DEFAULT_BIN_QUALITY_CONFIG } from "../domain/bin-quality.js";
import type { WeightObservation } from "../domain/observation.js";
import { DEFAULT_SHELF_LINK_CONFIG, type ShelfLinkConfig, ShelfLinkWatch } from "../domain/shelf-link-watch.js";
import type { ShelfRefusal } from "../domain/shelf-refusal.js";
import { TimestampText } from "../domain/timestamp-text.js";
import type { DeviceSource, DeviceSourceMetrics } from "../ports/device-source.js";
import type { OpcuaClientPki } from "./opcua-client-pki.js";

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

/**
 * One shelf's side of a shared OPC-UA session (decision 0188): what the
 * endpoint's session reports to it (values, monitoring results, refusals,
 * losses) and the state kept per shelf whatever the session does — its
 * weights stream, value quality, SHELF_UNREACHABLE and SHELF_UNSTABLE, the
 * per-bin id counters. It holds no OPC-UA client.
 */
export interface OpcuaShelfLink {
  readonly shelf: ShelfDevice;
  readonly logger: Logger;
  readonly source: OpcuaShelfSource;
  /** Closed by the edge: the session stops reporting to it. */
  readonly closed: boolean;
  /** A value of one of its bins (any status). */
  value(location: string, value: DataValue): void;
  /** Its bins are monitored on a session: the backoff resets, SHELF_UNREACHABLE clears, `ready` resolves. */
  monitored(result: { monitored: number; unmonitored: { location: string; status: string }[] }): void;
  /** Not monitored, for this reason: logged, counted, maybe raised; returns how long to wait before retrying, ms. */
  refused(refusal: ShelfRefusal): number;
  /** A working session was lost: no bin is monitored now. */
  lost(): void;
  /** Set by whoever connects the shelf: called once when the source is closed, after the link stops. */
  onClose?: () => Promise<void>;
}

/** Why a shelf's configuration is refused outright outside development mode, if it is. */
export function insecureSetting(shelf: ShelfDevice): string | undefined {
  const security = shelf.security ?? OPCUA_NO_SECURITY;
  if (security.mode === "None") return "security mode None";
  if (security.identity.type === "anonymous") return "an anonymous user";
  return undefined;
}

/**
 * The per-shelf state of an OPC-UA shelf. A value with a Bad or Uncertain
 * status code, or that is not a finite number, is refused and counted by
 * status, never passed on (node-opcua reports such problems as data); a bin
 * that stays so raises SHELF_UNSTABLE. After a reconnection every bin's
 * current value arrives again: the pipeline sees the same settled weight
 * (no movement) or the change made while the link was down (its movement).
 */
export function createOpcuaShelfLink(shelf: ShelfDevice, options: OpcuaShelfOptions): OpcuaShelfLink {
  const logger = options.logger.child({ shelf: shelf.id });
  const weights$ = new Subject<WeightObservation>();
  const quality = new BinQuality(
    shelf.id,
    { siteId: options.siteId, newId: options.newId },
    { ...DEFAULT_BIN_QUALITY_CONFIG, ...options.quality },
  );
  const watch = new ShelfLinkWatch(
    shelf.id,
    { siteId: options.siteId, newId: options.newId },
    { ...DEFAULT_SHELF_LINK_CONFIG, ...options.link },
    options.random ?? Math.random,
    Date.now(),
  );
  let received = 0;
  let monitoredNow = 0;
  let refusals = 0;
  let closed = false;
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const seq = new Map<string, number>();
  const stamps = new TimestampText();
  const emit = (condition: Condition | undefined) => {
    if (condition !== undefined && !closed) options.onCondition(condition);
  };
  // A bin that stays bad may send nothing more: its condition is checked on a clock.
  const qualityTimer = setInterval(() => emit(quality.check(Date.now())), 1000);
  qualityTimer.unref();

  const link: OpcuaShelfLink = {
    shelf,
    logger,
    get closed() {
      return closed;
    },
    value(location, value) {
      if (closed) return;
      const grams: unknown = value.value.value;
      const now = Date.now();
      const good = value.statusCode.isGood();
      const weight = good && typeof grams === "number" && Number.isFinite(grams) ? grams : undefined;
      const status = weight === undefined ? (good ? "NotAFiniteNumber" : value.statusCode.name) : "good";
      if (!quality.value(location, status, now)) {
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
    },
    monitored({ monitored, unmonitored }) {
      if (closed) return;
      for (const bin of unmonitored) quality.value(bin.location, bin.status, Date.now());
      if (unmonitored.length > 0) {
        logger.warn(
          { unmonitored: unmonitored.length, first: unmonitored.slice(0, 5) },
          "OPC-UA bins not monitored: counted as bins without a good weight",
        );
      }
      monitoredNow = monitored;
      emit(watch.monitored(Date.now()));
      resolveReady();
    },
    refused(refusal) {
      refusals++;
      monitoredNow = 0;
      const verdict = watch.refused(refusal, Date.now());
      if (refusal.code === "INSECURE") {
        // Never retried: the site file must change.
        logger.error(
          { code: refusal.code, reason: refusal.reason, fix: refusal.fix },
          "OPC-UA shelf refused: not connected",
        );
      } else {
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
      }
      emit(verdict.condition);
      return verdict.delayMs;
    },
    lost() {
      monitoredNow = 0;
      watch.lost(Date.now());
    },
    source: {
      id: shelf.id,
      observations$: weights$,
      ready,
      metrics: (): DeviceSourceMetrics => ({ received, refused: quality.counts(), reconnects: refusals }),
      badBins: () => quality.badBins(),
      monitoredBins: () => monitoredNow,
      close: async () => {
        if (closed) return;
        closed = true;
        clearInterval(qualityTimer);
        weights$.complete();
        await link.onClose?.();
      },
    },
  };
  return link;
}
