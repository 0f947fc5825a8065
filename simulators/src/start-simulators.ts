import { setTimeout as sleep } from "node:timers/promises";
import type { ScanMessage, ShelfWeightMessage, SiteLayout, TagReadMessage, TemperatureMessage } from "@tally/protocols";
import type { Logger } from "pino";
import { connectMqttDevice, type MqttDevice } from "./mqtt-device.js";
import { type OpcuaShelf, type OpcuaShelfServerOptions, startOpcuaShelf } from "./opcua-shelf.js";
import { type PlannedAction, planScenarioStream } from "./plan-scenario.js";
import type { ExpectedDocument, GroundTruth, Scenario, SystemStep } from "./scenario.js";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";

export interface SimulatorOptions {
  site: SiteLayout;
  /** Broker the MQTT devices publish to, e.g. `mqtt://127.0.0.1:1883`. */
  mqttUrl: string;
  logger: Logger;
  /** Heartbeat period per MQTT device, ms of wall clock. Default 10 000. */
  heartbeatMs?: number;
  /** How every OPC-UA shelf's server is secured; default None/anonymous on the shared bench PKI. */
  opcua?: OpcuaShelfServerOptions;
  /**
   * Each device's MQTT password (device id → password, as `tally device
   * credential` printed it): each device logs in as itself. Devices not
   * listed connect anonymously (a development-mode edge takes them).
   */
  deviceCredentials?: Readonly<Record<string, string>>;
  /** TLS options for an `mqtts://` broker, for every device. */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
}

/** What a play does to the system under test for system faults; without a hook the fault is not injected. */
export interface PlayHooks {
  /** Cuts (`cut`) or restores (`restore`) the edge's uplink to the cloud. */
  uplink?(state: "cut" | "restore"): Promise<void>;
  /** Stops the edge process and starts it again. */
  restartEdge?(): Promise<void>;
  /**
   * Creates (`open`) or closes (`close`) an expected receipt or shipment in
   * the cloud, and resolves once the edge works with it (a close: once the
   * edge has also finished with what it was sent before). The play always
   * waits for it, so documents and passes keep their order. Required by a
   * scenario with document steps.
   */
  documents?(action: "open" | "close", document: ExpectedDocument): Promise<void>;
}

/** How far a play is. */
export interface PlayProgress {
  /** Scenario time reached, ms at speed 1. */
  atMs: number;
  endMs: number;
  /** Device messages sent so far. */
  events: number;
}

export interface PlayOptions {
  /** 1 = real time, 4 = four times faster, `max` = as fast as the broker acknowledges. Default 1. */
  speed?: number | "max";
  hooks?: PlayHooks;
  /** Called about every 250 ms of wall clock, and once at the end. */
  onProgress?: (progress: PlayProgress) => void;
  /** Most publishes awaiting the broker's PUBACK at once. Default 256 at `max`, else 5000. */
  maxInFlight?: number;
  /** At `max`: least wall-clock time between two loads of one shelf bin, so the edge sees each settle. Default 600 ms. */
  shelfGapMs?: number;
  /**
   * At `max`: least wall-clock time between the last tag read at a portal
   * and a scan that takes stock from its location (a putaway from the dock
   * door), so the edge has closed the passes first (it ends a pass after a
   * silence, 2.5 s by default, and held it for cross-reads). Default 4000 ms.
   */
  passGapMs?: number;
}

export interface RunningSimulators {
  /**
   * Plays a scenario and resolves with its ground truth once every message
   * is acknowledged by the broker (QoS 1). One play at a time. Memory stays
   * bounded: actions are generated as they are due and at most `maxInFlight`
   * publishes wait for their PUBACK.
   */
  play(scenario: Scenario, opts?: PlayOptions): Promise<GroundTruth>;
  /**
   * MQTT publishes the broker has acknowledged so far, heartbeats included.
   * A broker acknowledges before its subscribers have the message: an edge
   * that has received this many has everything sent so far.
   */
  acknowledged(): number;
  /** Stops heartbeats, disconnects every device and stops every shelf server. */
  close(): Promise<void>;
}

const DEFAULT_HEARTBEAT_MS = 10_000;
/** At `max`, how far apart in device time the play samples its wall clock, ms. */
const CLOCK_SAMPLE_MS = 1000;

/**
 * Starts every device of the site: an MQTT session per portal, scanner,
 * temperature sensor and MQTT shelf, and an OPC-UA server per OPC-UA shelf
 * (on its `endpointUrl`). Resolves when all are connected or listening; if
 * one fails, the others are closed and the error is thrown.
 */
export async function startSimulators(options: SimulatorOptions): Promise<RunningSimulators> {
  const { site, mqttUrl, logger } = options;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  if (!(heartbeatMs > 0)) throw new SimulatorError(SimulatorErrorCode.StartFailed, "heartbeatMs must be > 0");
  const log = logger.child({ component: "simulators", siteId: site.siteId });
  const started = performance.now();

  const mqttDevices = new Map<string, MqttDevice>();
  const shelves = new Map<string, OpcuaShelf>();
  const starting: Promise<void>[] = [];
  for (const device of site.devices) {
    if (device.kind === "shelf" && device.transport === "opcua") {
      starting.push(startOpcuaShelf(device, log, options.opcua).then((shelf) => void shelves.set(device.id, shelf)));
    } else {
      starting.push(
        connectMqttDevice({
          url: mqttUrl,
          siteId: site.siteId,
          deviceId: device.id,
          logger: log,
          heartbeatMs,
          heartbeats: device.heartbeat !== false,
          password: options.deviceCredentials?.[device.id],
          tls: options.tls,
        }).then((client) => void mqttDevices.set(device.id, client)),
      );
    }
  }
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled([...mqttDevices.values(), ...shelves.values()].map((d) => d.close()));
  };
  const results = await Promise.allSettled(starting);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) {
    await closeAll();
    throw failed.reason;
  }
  log.info(
    { mqttDevices: mqttDevices.size, opcuaShelves: shelves.size, startupMs: Math.round(performance.now() - started) },
    "simulators started",
  );

  const portalLocations = new Map(
    site.devices.flatMap((d) =>
      d.kind === "rfid-portal"
        ? [[d.id, [d.location, ...(d.zonePortal ? [d.zonePortal.inside, d.zonePortal.outside] : [])]] as const]
        : [],
    ),
  );
  const scannerLocations = new Map(
    site.devices.flatMap((d) => (d.kind === "scanner" ? [[d.id, d.location] as const] : [])),
  );
  const stop = new AbortController();
  let playing = false;
  let closed = false;

  const perform = (action: PlannedAction, stamp: (atMs: number) => string): Promise<void> | undefined => {
    switch (action.kind) {
      case "system":
      case "document":
        return undefined;
      case "device-state": {
        mqttDevices.get(action.deviceId)?.setHeartbeats(action.state === "online" || action.state === "stuck");
        return undefined;
      }
      case "weight":
        if (action.transport === "opcua") {
          const shelf = shelves.get(action.deviceId);
          if (shelf === undefined) return Promise.reject(new Error(`no OPC-UA shelf ${action.deviceId}`));
          shelf.setGrams(action.location, action.grams);
          return Promise.resolve();
        }
        break;
      default:
        break;
    }
    const device = mqttDevices.get(action.deviceId);
    if (device === undefined) return Promise.reject(new Error(`no MQTT device ${action.deviceId}`));
    switch (action.kind) {
      case "read": {
        const message: TagReadMessage = {
          reads: action.reads.map((r) => ({ epc: r.epc, antenna: r.antenna, rssi: r.rssi, readAt: stamp(r.atMs) })),
        };
        return device.publish("read", message);
      }
      case "scan": {
        const message: ScanMessage = { ...action.scan, scannedAt: stamp(action.atMs) };
        return device.publish("scan", message);
      }
      case "temp": {
        const message: TemperatureMessage = { celsius: action.celsius, measuredAt: stamp(action.atMs) };
        return device.publish("temp", message);
      }
      case "weight": {
        const message: ShelfWeightMessage = {
          location: action.location,
          grams: action.grams,
          measuredAt: stamp(action.atMs),
        };
        return device.publish("weight", message);
      }
    }
  };

  return {
    acknowledged: () => [...mqttDevices.values()].reduce((n, d) => n + d.acknowledged(), 0),
    async play(scenario, opts) {
      const speed = opts?.speed ?? 1;
      if (speed !== "max" && (!Number.isFinite(speed) || speed <= 0)) {
        throw new SimulatorError(SimulatorErrorCode.ScenarioInvalid, `speed must be a finite number > 0 or max`);
      }
      if (closed) throw new SimulatorError(SimulatorErrorCode.ScenarioInvalid, "the simulators are closed");
      if (playing) throw new SimulatorError(SimulatorErrorCode.ScenarioInvalid, "a scenario is already playing");
      // The play starts now: planning time counts as played (the first actions catch up).
      const t0 = performance.now();
      const wall0 = Date.now();
      const plan = planScenarioStream({ ...scenario }, site);
      const hooks = opts?.hooks ?? {};
      const documentsHook = hooks.documents;
      if (documentsHook === undefined && scenario.steps.some((s) => s.kind === "document")) {
        throw new SimulatorError(
          SimulatorErrorCode.ScenarioInvalid,
          `scenario ${scenario.name} creates expected receipts or shipments: play it against a cloud (a documents hook)`,
        );
      }
      const maxInFlight = opts?.maxInFlight ?? (speed === "max" ? 256 : 5000);
      const shelfGapMs = opts?.shelfGapMs ?? 600;
      const passGapMs = opts?.passGapMs ?? 4000;
      /** Wall clock of the last read sent per location a portal moves stock at (its own, a zone portal's two). */
      const lastReadAt = new Map<string, number>();
      playing = true;
      try {
        // Device clock: at a numeric speed, the wall clock (scenario time runs `speed` times faster). At `max`,
        // the scenario's own clock, laid out to end when the play starts: device times keep their true spacing
        // however fast the messages go, so the edge's device-time rules (pass silence, stationary tags, settle
        // times, stuck sensors) judge what really happened. The truth is told on the same clock.
        const deviceZero = speed === "max" ? wall0 - plan.endMs : wall0;
        const deviceMs = (atMs: number): number => (speed === "max" ? deviceZero + atMs : wall0 + atMs / speed);
        const stamp = (atMs: number): string => new Date(deviceMs(atMs)).toISOString();
        // At `max`: when the play got to a device time, sampled about every second of it (latencies are on the wall clock).
        const clock: { deviceMs: number; wallMs: number }[] = [];
        const waitUntil = async (atMs: number): Promise<void> => {
          if (speed === "max") return;
          const ms = t0 + atMs / speed - performance.now();
          if (ms > 0) await sleep(ms, undefined, { signal: stop.signal });
        };
        log.info({ scenario: scenario.name, speed, endMs: plan.endMs }, "playing");

        let inFlight = 0;
        let released: (() => void) | undefined;
        let failure: { reason: unknown } | undefined;
        const settle = (): void => {
          inFlight--;
          released?.();
          released = undefined;
        };
        const roomFor = async (): Promise<void> => {
          while (inFlight >= maxInFlight) await new Promise<void>((resolve) => (released = resolve));
        };
        const system: Promise<void>[] = [];
        const injected = new Set<string>();
        const lastBinLoad = new Map<string, { atMs: number; wall: number }>();
        let events = 0;
        let lastProgress = 0;
        const progress = (atMs: number): void => {
          opts?.onProgress?.({ atMs, endMs: plan.endMs, events });
        };

        for (const action of plan.actions()) {
          await waitUntil(action.atMs);
          if (speed === "max") {
            const at = deviceMs(action.atMs);
            const last = clock.at(-1);
            if (last === undefined || at - last.deviceMs >= CLOCK_SAMPLE_MS)
              clock.push({ deviceMs: at, wallMs: Date.now() });
            if (action.kind === "weight") {
              const key = `${action.deviceId}\u0000${action.location}`;
              const last = lastBinLoad.get(key);
              // A new load (not a swing of the last one) waits until the edge can have seen the last settle.
              if (last !== undefined && action.atMs - last.atMs >= 1000) {
                const wait = last.wall + shelfGapMs - Date.now();
                if (wait > 0) await sleep(wait, undefined, { signal: stop.signal });
              }
              if (last === undefined || action.atMs - last.atMs >= 1000)
                lastBinLoad.set(key, { atMs: action.atMs, wall: Date.now() });
            }
          }
          if (speed === "max" && action.kind === "read") {
            for (const loc of portalLocations.get(action.deviceId) ?? []) lastReadAt.set(loc, Date.now());
          }
          if (speed === "max" && action.kind === "scan") {
            const from =
              action.scan.action === "PUTAWAY"
                ? action.scan.fromLocation
                : action.scan.action === "PICK"
                  ? (action.scan.location ?? scannerLocations.get(action.deviceId))
                  : undefined;
            const readAt = from === undefined ? undefined : lastReadAt.get(from);
            if (from !== undefined && readAt !== undefined) {
              const wait = readAt + passGapMs - Date.now();
              if (wait > 0) await sleep(wait, undefined, { signal: stop.signal });
              lastReadAt.delete(from);
            }
          }
          if (action.kind === "document") {
            if (documentsHook !== undefined) {
              // Everything sent so far is acknowledged first: a close must come after the pallets it is about.
              while (inFlight > 0) await new Promise<void>((resolve) => (released = resolve));
              await documentsHook(action.action, action.document);
            }
            continue;
          }
          if (action.kind === "system") {
            const run = systemAction(action.action, hooks);
            if (run === undefined) {
              log.warn({ action: action.action }, "no hook for this system fault; not injected");
            } else {
              injected.add(`${action.action}@${action.atMs}`);
              const done = run.catch((error: unknown) => {
                failure ??= { reason: error };
              });
              // At max speed the timeline waits for the system; otherwise devices carry on meanwhile.
              if (speed === "max") await done;
              else system.push(done);
            }
            continue;
          }
          await roomFor();
          const done = perform(action, stamp);
          if (done !== undefined) {
            events++;
            inFlight++;
            done.then(settle, (error: unknown) => {
              failure ??= { reason: error };
              settle();
            });
          }
          const now = performance.now();
          if (now - lastProgress >= 250) {
            lastProgress = now;
            progress(action.atMs);
          }
        }
        await waitUntil(plan.endMs);
        while (inFlight > 0) await new Promise<void>((resolve) => (released = resolve));
        await Promise.all(system);
        progress(plan.endMs);
        if (failure !== undefined) throw failure.reason;
        const iso = stamp;
        if (speed === "max") clock.push({ deviceMs: deviceMs(plan.endMs), wallMs: Date.now() });
        const truth: GroundTruth = {
          scenario: scenario.name,
          startedAt: new Date(wall0).toISOString(),
          endedAt: new Date().toISOString(),
          ...(speed === "max" && { clock }),
          movements: plan.movements.map(({ crossing, ...m }) => ({
            ...m,
            occurredAt: iso(m.atMs),
            ...(crossing !== undefined && {
              crossedAt: iso(crossing.atMs),
              crossingToleranceMs: deviceMs(crossing.atMs + crossing.passMs) - deviceMs(crossing.atMs),
            }),
          })),
          unrecorded: plan.unrecorded,
          positions: plan.positions,
          excursions: plan.excursions.map((e) => ({
            deviceId: e.deviceId,
            location: e.location,
            startedAt: iso(e.startMs),
            ...(e.endMs !== undefined && { endedAt: iso(e.endMs) }),
            zone: e.zone,
            graceS: e.graceS,
            graceEndsAt: iso(e.startMs + e.graceS * 1000),
            alertable: e.alertable,
            ...(e.stockAtRisk !== undefined && { stockAtRisk: e.stockAtRisk }),
          })),
          faults: plan.faults.map((f) => ({
            ...f,
            startedAt: iso(f.atMs),
            ...(f.endMs !== undefined && { endedAt: iso(f.endMs) }),
            injected:
              !(f.kind === "uplink-cut" || f.kind === "edge-restart") ||
              injected.has(`${f.kind === "uplink-cut" ? "uplink-cut" : "edge-restart"}@${f.atMs}`),
          })),
          asns: plan.asns,
          tasks: plan.tasks.map((t) => ({ ...t, occurredAt: iso(t.atMs) })),
          documents: plan.documents.map((d) => ({
            ...d.document,
            openedAt: iso(d.openMs),
            ...(d.closeMs !== undefined && { closedAt: iso(d.closeMs) }),
          })),
          stockLows: plan.stockLows.map((l) => ({ ...l, startedAt: iso(l.atMs) })),
          events,
        };
        log.info(
          { scenario: scenario.name, events: truth.events, wallMs: Math.round(performance.now() - t0) },
          "played",
        );
        return truth;
      } finally {
        playing = false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      stop.abort(new SimulatorError(SimulatorErrorCode.ScenarioInvalid, "the simulators were closed during a play"));
      await closeAll();
      log.info("simulators closed");
    },
  };
}

function systemAction(action: SystemStep["action"], hooks: PlayHooks): Promise<void> | undefined {
  switch (action) {
    case "uplink-cut":
      return hooks.uplink?.("cut");
    case "uplink-restore":
      return hooks.uplink?.("restore");
    case "edge-restart":
      return hooks.restartEdge?.();
  }
}
