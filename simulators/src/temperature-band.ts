import type { TemperatureRange } from "@tally/protocols";

/** Where a sensor reads before any temperature step: the middle of its zone's range, ±0.5 °C. */
export function defaultBand(range: TemperatureRange): { minC: number; maxC: number } {
  const { minC, maxC } = range;
  const centre =
    minC !== undefined && maxC !== undefined
      ? (minC + maxC) / 2
      : minC !== undefined
        ? minC + 2
        : maxC !== undefined
          ? maxC - 2
          : 20;
  return { minC: centre - 0.5, maxC: centre + 0.5 };
}
