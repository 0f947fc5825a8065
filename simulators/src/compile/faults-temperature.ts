import {
  type ScenarioFault,
  type SiteLayout,
  type TemperatureDevice,
  type TemperatureRange,
  zoneOfLocation,
  zoneTemperatureRange,
} from "@tally/protocols";
import type { ScenarioStep } from "../scenario.js";
import { defaultBand } from "../temperature-band.js";
import type { CompileContext } from "./context.js";
import type { RecordFault } from "./record-fault.js";

export type TemperatureFault = Extract<
  ScenarioFault,
  { kind: "freezer-door-open" | "temperature-spike" | "slow-warming" | "stuck-sensor" | "flat-battery" }
>;

/** Temperature and sensor faults: bands that move, sensors that stick or die. */
export function applyTemperatureFault(ctx: CompileContext, fault: TemperatureFault, at: number, record: RecordFault) {
  const { steps } = ctx;
  switch (fault.kind) {
    case "freezer-door-open": {
      const sensor = holdPeak(ctx, fault, at);
      if (sensor === undefined) return;
      record({
        endMs: at + fault.duration,
        deviceId: sensor.id,
        location: sensor.location,
        detail: `door of ${sensor.location} open: ${fault.peakC} °C`,
        detectedBy: [{ source: "alert", type: "TEMPERATURE_EXCURSION", location: sensor.location }],
      });
      return;
    }
    case "temperature-spike": {
      const sensor = holdPeak(ctx, fault, at);
      if (sensor === undefined) return;
      record({
        endMs: at + fault.duration,
        deviceId: sensor.id,
        location: sensor.location,
        detail: `${sensor.id} reads ${fault.peakC} °C for ${fault.duration} ms (grace ${sensor.graceS} s)`,
        // Nothing may detect it: the cold-chain score counts any alert for it as false.
        detectedBy: [],
        scoredBy: "cold-chain",
      });
      return;
    }
    case "slow-warming":
      applySlowWarming(ctx, fault, at, record);
      return;
    case "stuck-sensor": {
      const d = ctx.device(fault.device, "temperature");
      steps.push({
        kind: "device-state",
        at,
        deviceId: d.id,
        state: "stuck",
        ...(fault.celsius !== undefined && { celsius: fault.celsius }),
      });
      steps.push({ kind: "device-state", at: at + fault.duration, deviceId: d.id, state: "online" });
      record({
        endMs: at + fault.duration,
        deviceId: d.id,
        ...(d.kind === "temperature" && { location: d.location }),
        detail: `${d.id} stuck`,
        detectedBy: [
          { source: "alert", type: "SENSOR_STUCK", ...(d.kind === "temperature" && { location: d.location }) },
        ],
      });
      return;
    }
    case "flat-battery": {
      const d = ctx.device(fault.device, "temperature");
      steps.push({ kind: "device-state", at, deviceId: d.id, state: "dead" });
      record({
        deviceId: d.id,
        detail: `${d.id} battery flat`,
        detectedBy: [{ source: "alert", type: "DEVICE_SILENT" }],
      });
      return;
    }
  }
}

/**
 * A peak: the sensor's band is `peakC` ± 0.5 °C for the fault's duration, then the band it had before
 * (or its zone's default band). The sensor, or undefined when the device is no temperature sensor.
 */
function holdPeak(
  ctx: CompileContext,
  fault: Extract<TemperatureFault, { kind: "freezer-door-open" | "temperature-spike" }>,
  at: number,
): TemperatureDevice | undefined {
  const { steps } = ctx;
  const sensor = ctx.device(fault.device, "temperature");
  if (sensor.kind !== "temperature") return undefined;
  const before = bandBefore(steps, sensor.id, at) ?? defaultBand(zoneRange(ctx.site, sensor.location));
  steps.push({ kind: "temperature", at, deviceId: sensor.id, minC: fault.peakC - 0.5, maxC: fault.peakC + 0.5 });
  steps.push({ kind: "temperature", at: at + fault.duration, deviceId: sensor.id, ...before });
  return sensor;
}

/** The band's middle climbs in steps of one reading period: a straight line as the sensor sees it. */
function applySlowWarming(
  ctx: CompileContext,
  fault: Extract<ScenarioFault, { kind: "slow-warming" }>,
  at: number,
  record: RecordFault,
): void {
  const { steps } = ctx;
  const sensor = ctx.device(fault.device, "temperature");
  if (sensor.kind !== "temperature") return;
  const before = bandBefore(steps, sensor.id, at) ?? defaultBand(zoneRange(ctx.site, sensor.location));
  const half = (before.maxC - before.minC) / 2;
  const from = before.minC + half;
  const stepMs = ctx.file.hardware.temperature?.period ?? 2000;
  for (let t = 0; t < fault.duration; t += stepMs) {
    const mid = from + ((fault.toC - from) * t) / fault.duration;
    steps.push({ kind: "temperature", at: at + t, deviceId: sensor.id, minC: mid - half, maxC: mid + half });
  }
  steps.push({ kind: "temperature", at: at + fault.duration, deviceId: sensor.id, ...before });
  const perMin = ((fault.toC - from) * 60_000) / fault.duration;
  record({
    endMs: at + fault.duration,
    deviceId: sensor.id,
    location: sensor.location,
    detail: `${sensor.location} warming ${perMin.toFixed(2)} °C/min to ${fault.toC} °C`,
    detectedBy: [
      { source: "alert", type: "TEMPERATURE_RATE", location: sensor.location },
      { source: "alert", type: "TEMPERATURE_EXCURSION", location: sensor.location },
    ],
  });
}

/** The last temperature band set for a sensor before `at`, if any. */
function bandBefore(steps: ScenarioStep[], deviceId: string, at: number): { minC: number; maxC: number } | undefined {
  let band: { at: number; minC: number; maxC: number } | undefined;
  for (const s of steps) {
    if (s.kind === "temperature" && s.deviceId === deviceId && s.at <= at && (band === undefined || s.at >= band.at)) {
      band = s;
    }
  }
  return band === undefined ? undefined : { minC: band.minC, maxC: band.maxC };
}

/** The temperature range of the zone a location is in (none when the zone is unknown). */
function zoneRange(site: SiteLayout, loc: string): TemperatureRange {
  const zone = site.zones.find((z) => z.id === zoneOfLocation(loc));
  return zone === undefined ? {} : zoneTemperatureRange(zone);
}
