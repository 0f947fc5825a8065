import { type Device, type TemperatureRange, zoneOfLocation, zoneTemperatureRange } from "@tally/protocols";
import { invalid, type PlanState, reach } from "./plan-state.js";
import type { PlannedAction, PlannedExcursion } from "./plan-types.js";
import { deriveSeed, seededRandom } from "./random.js";
import type { DeviceStateStep, ScenarioStep, TemperatureStep } from "./scenario.js";
import { stockAtRiskTruth } from "./stock-at-risk-truth.js";
import { defaultBand } from "./temperature-band.js";

/** Temperature sensors report every 2 s (at speed 1) unless the hardware profile says otherwise. */
export const TEMPERATURE_PERIOD_MS = 2000;

/** A temperature sensor of the site: its zone's range and the bands the scenario sets it, in time order. */
export interface PlannedSensor {
  device: Extract<Device, { kind: "temperature" }>;
  /** Its place among the site's devices: what seeds its randomness. */
  sensorIndex: number;
  range: TemperatureRange;
  bands: TemperatureStep[];
}

/** A temperature band step: checked (a temperature sensor, finite minC ≤ maxC). */
export function checkTemperatureStep(step: TemperatureStep, device: Device, where: string): void {
  if (device.kind !== "temperature") throw invalid(`${where}: device ${device.id} is a ${device.kind}`);
  if (!Number.isFinite(step.minC) || !Number.isFinite(step.maxC) || step.minC > step.maxC) {
    throw invalid(`${where}: need finite minC ≤ maxC`);
  }
}

/** The sensors' reading period, ms at speed 1: the hardware profile's, else `TEMPERATURE_PERIOD_MS`. */
export function temperaturePeriod({ scenario, hw }: PlanState): number {
  const periodMs = hw.temperature?.period ?? TEMPERATURE_PERIOD_MS;
  if (!(periodMs > 0)) throw invalid(`scenario ${scenario.name}: temperature period must be > 0`);
  return periodMs;
}

/** The site's temperature sensors, with the bands of `steps` (in the order given: time order). */
export function sensorsOf({ site }: PlanState, steps: readonly { step: ScenarioStep }[]): PlannedSensor[] {
  return site.devices
    .map((device, sensorIndex) => ({ device, sensorIndex }))
    .filter((s): s is { device: Extract<Device, { kind: "temperature" }>; sensorIndex: number } => {
      return s.device.kind === "temperature";
    })
    .map(({ device, sensorIndex }) => {
      const zone = site.zones.find((z) => z.id === zoneOfLocation(device.location));
      const range: TemperatureRange = zone === undefined ? {} : zoneTemperatureRange(zone);
      const bands = steps
        .map(({ step }) => step)
        .filter((s): s is TemperatureStep => s.kind === "temperature" && s.deviceId === device.id);
      return { device, sensorIndex, range, bands };
    });
}

/** The true temperature where a sensor is, every period: random within the band set at the time, 0.01 °C. */
export function* trueTemperatures(
  state: PlanState,
  periodMs: number,
  sensor: PlannedSensor,
): Generator<{ t: number; celsius: number }> {
  const { scenario } = state;
  const random = seededRandom(deriveSeed(scenario.seed, 2, sensor.sensorIndex));
  let b = -1;
  for (let t = 0; t < scenario.durationMs; t += periodMs) {
    while (b + 1 < sensor.bands.length && (sensor.bands[b + 1]?.at ?? Number.POSITIVE_INFINITY) <= t) b++;
    const band = sensor.bands[b] ?? defaultBand(sensor.range);
    yield { t, celsius: Math.round(random.between(band.minC, band.maxC) * 100) / 100 };
  }
}

/**
 * The true excursions of every sensor, from its true temperatures and its
 * zone's range (back in range means inside by the sensor's hysteresis);
 * an alertable one's stock at risk comes from the movements planned so far.
 * The play lasts until the last reading.
 */
export function excursionsOf(state: PlanState, periodMs: number, sensors: PlannedSensor[]): PlannedExcursion[] {
  const { scenario } = state;
  const excursions: PlannedExcursion[] = [];
  // A portal movement happened when the tag crossed, which is when the ledger will say it did.
  const changes = state.movements.map((m) => ({ ...m, atMs: m.crossing?.atMs ?? m.atMs }));
  for (const sensor of sensors) {
    let open: PlannedExcursion | undefined;
    const { minC, maxC } = sensor.range;
    const graceS = scenario.graceS?.[sensor.device.id] ?? sensor.device.graceS;
    const zone = zoneOfLocation(sensor.device.location);
    // Back in range means inside by the sensor's hysteresis: a reading wavering at the limit is one excursion.
    const h = sensor.device.hysteresisC;
    for (const { t, celsius } of trueTemperatures(state, periodMs, sensor)) {
      reach(state, t);
      const out =
        open === undefined
          ? (minC !== undefined && celsius < minC) || (maxC !== undefined && celsius > maxC)
          : (minC !== undefined && celsius < minC + h) || (maxC !== undefined && celsius > maxC - h);
      if (out && open === undefined) {
        open = {
          deviceId: sensor.device.id,
          location: sensor.device.location,
          zone,
          startMs: t,
          graceS,
          alertable: false,
        };
        excursions.push(open);
      } else if (!out && open !== undefined) {
        open.endMs = t;
        open = undefined;
      }
    }
    for (const e of excursions) {
      if (e.deviceId !== sensor.device.id) continue;
      e.alertable = (e.endMs ?? scenario.durationMs) - e.startMs > graceS * 1000;
      if (e.alertable) e.stockAtRisk = stockAtRiskTruth(changes, zone, e.startMs, e.endMs);
    }
  }
  return excursions;
}

/**
 * What a sensor reports: its true temperatures with the profile's noise and
 * gaps, nothing while it is offline or dead, its stuck value while stuck.
 */
export function* sensorReadings(
  state: PlanState,
  periodMs: number,
  sensor: PlannedSensor,
  stateAt: (deviceId: string, t: number) => DeviceStateStep | undefined,
): Generator<PlannedAction> {
  const { hw } = state;
  const noise = seededRandom(deriveSeed(state.scenario.seed, 3, sensor.sensorIndex));
  const noiseC = hw.temperature?.noiseC ?? 0;
  const gap = hw.temperature?.gapProbability ?? 0;
  let last: number | undefined;
  for (const { t, celsius } of trueTemperatures(state, periodMs, sensor)) {
    const jitter = noiseC > 0 ? noise.between(-noiseC, noiseC) : 0;
    const skipped = gap > 0 && noise.next() < gap;
    const deviceState = stateAt(sensor.device.id, t);
    if (deviceState?.state === "offline" || deviceState?.state === "dead" || skipped) continue;
    let reading = Math.round((celsius + jitter) * 100) / 100;
    if (deviceState?.state === "stuck") reading = deviceState.celsius ?? last ?? reading;
    last = reading;
    yield { atMs: t, kind: "temp", deviceId: sensor.device.id, celsius: reading };
  }
}
