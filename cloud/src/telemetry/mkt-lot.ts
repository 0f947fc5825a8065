import { meanKineticTemperatureC } from "./mkt.js";
import { MINUTE_MS, type ZoneMinutes } from "./mkt-days.js";
import type { LotSegment } from "./mkt-lot-stays.js";

/** A lot's MKT over its stays. */
export interface LotMkt {
  /** Absent when no stay had a reading. */
  mktC?: number;
  /** Unit-minutes with a reading of the zone the units were in. */
  unitMinutes: number;
  /** `unitMinutes` / unit-minutes the lot spent in the site over the range. */
  coverage: number;
}

/**
 * The MKT a lot's units saw: every minute of every segment, the 1-minute
 * means of the temperature sensors of the zone the units were in
 * (`zoneOf(location)`), weighted by the units there, the zone's sensors
 * sharing each minute equally. Units spread over several zones thus count
 * each in its own zone: the figure is the mean over the lot's units, not
 * over its locations. Minutes of a zone without readings are left out (and
 * lower `coverage`). Pure.
 */
export function lotMkt(
  segments: readonly LotSegment[],
  zoneMinutesOf: (location: string) => ZoneMinutes | undefined,
  activationKjPerMol: number,
): LotMkt {
  const samples: { tempC: number; weight: number }[] = [];
  let present = 0;
  let covered = 0;
  for (const s of segments) {
    present += (s.units * (s.toMs - s.fromMs)) / MINUTE_MS;
    const minutes = zoneMinutesOf(s.location);
    if (minutes === undefined) continue;
    for (const [at, temps] of minutes) {
      if (at < s.fromMs || at >= s.toMs || temps.length === 0) continue;
      covered += s.units;
      for (const tempC of temps) samples.push({ tempC, weight: s.units / temps.length });
    }
  }
  const mktC = meanKineticTemperatureC(samples, activationKjPerMol);
  return {
    ...(mktC !== undefined && { mktC }),
    unitMinutes: covered,
    coverage: present > 0 ? Math.min(1, covered / present) : 0,
  };
}
