import { setTimeout as sleep } from "node:timers/promises";
import type { ScanMessage, ShelfWeightMessage, SiteLayout, TagReadMessage, TemperatureMessage } from "@tally/protocols";
import type { Logger } from "pino";
import { connectMqttDevice, type MqttDevice } from "./mqtt-device.js";
import { type OpcuaShelf, startOpcuaShelf } from "./opcua-shelf.js";
import { type PlannedAction, planScenario } from "./plan-scenario.js";
import type { GroundTruth, Scenario } from "./scenario.js";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";

export interface SimulatorOptions {
  site: SiteLayout;
  /** Broker the MQTT devices publish to, e.g. `mqtt://127.0.0.1:1883`. */
  mqttUrl: string;
  logger: Logger;
  /** Heartbeat period per MQTT device, ms of wall clock. Default 10 000. */
  heartbeatMs?: number;
}

export interface RunningSimulators {
  /**
   * Plays a scenario at `speed` (1 = real time) and resolves with its ground
   * truth once every message is acknowledged by the broker (QoS 1). One play
   * at a time.
   */
  play(scenario: Scenario, opts?: { speed?: number }): Promise<GroundTruth>;
  /** Stops heartbeats, disconnects every device and stops every shelf server. */
  close(): Promise<void>;
}

const DEFAULT_HEARTBEAT_MS = 10_000;

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
      starting.push(startOpcuaShelf(device, log).then((shelf) => void shelves.set(device.id, shelf)));
    } else {
      starting.push(
        connectMqttDevice({ url: mqttUrl, siteId: site.siteId, deviceId: device.id, logger: log, heartbeatMs }).then(
          (client) => void mqttDevices.set(device.id, client),
        ),
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

  const stop = new AbortController();
  let playing = false;
  let closed = false;

  const perform = (action: PlannedAction, iso: (atMs: number) => string): Promise<void> => {
    if (action.kind === "weight" && action.transport === "opcua") {
      const shelf = shelves.get(action.deviceId);
      if (shelf === undefined) return Promise.reject(new Error(`no OPC-UA shelf ${action.deviceId}`));
      shelf.setGrams(action.location, action.grams);
      return Promise.resolve();
    }
    const device = mqttDevices.get(action.deviceId);
    if (device === undefined) return Promise.reject(new Error(`no MQTT device ${action.deviceId}`));
    switch (action.kind) {
      case "read": {
        const message: TagReadMessage = {
          reads: action.reads.map((r) => ({ epc: r.epc, antenna: r.antenna, rssi: r.rssi, readAt: iso(r.atMs) })),
        };
        return device.publish("read", message);
      }
      case "scan": {
        const message: ScanMessage = { ...action.scan, scannedAt: iso(action.atMs) };
        return device.publish("scan", message);
      }
      case "temp": {
        const message: TemperatureMessage = { celsius: action.celsius, measuredAt: iso(action.atMs) };
        return device.publish("temp", message);
      }
      case "weight": {
        const message: ShelfWeightMessage = {
          location: action.location,
          grams: action.grams,
          measuredAt: iso(action.atMs),
        };
        return device.publish("weight", message);
      }
    }
  };

  return {
    async play(scenario, opts) {
      const speed = opts?.speed ?? 1;
      if (!Number.isFinite(speed) || speed <= 0) {
        throw new SimulatorError(SimulatorErrorCode.ScenarioInvalid, `speed must be a finite number > 0, got ${speed}`);
      }
      if (closed) throw new SimulatorError(SimulatorErrorCode.ScenarioInvalid, "the simulators are closed");
      if (playing) throw new SimulatorError(SimulatorErrorCode.ScenarioInvalid, "a scenario is already playing");
      const plan = planScenario({ ...scenario }, site);
      playing = true;
      try {
        const t0 = performance.now();
        const wall0 = Date.now();
        // Devices stamp messages with the wall-clock time the plan puts them at.
        const iso = (atMs: number): string => new Date(wall0 + atMs / speed).toISOString();
        const waitUntil = async (atMs: number): Promise<void> => {
          const ms = t0 + atMs / speed - performance.now();
          if (ms > 0) await sleep(ms, undefined, { signal: stop.signal });
        };
        log.info({ scenario: scenario.name, speed, messages: plan.actions.length }, "playing");
        const sent: Promise<void>[] = [];
        for (const action of plan.actions) {
          await waitUntil(action.atMs);
          const done = perform(action, iso);
          done.catch(() => undefined); // reported below, once every publish has settled
          sent.push(done);
        }
        await waitUntil(plan.endMs);
        const settled = await Promise.allSettled(sent);
        const failure = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failure !== undefined) throw failure.reason;
        const truth: GroundTruth = {
          scenario: scenario.name,
          movements: plan.movements.map((m) => ({ ...m, occurredAt: iso(m.atMs) })),
          positions: plan.positions,
          excursions: plan.excursions.map((e) => ({
            deviceId: e.deviceId,
            location: e.location,
            startedAt: iso(e.startMs),
            ...(e.endMs !== undefined && { endedAt: iso(e.endMs) }),
          })),
          events: plan.actions.length,
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
