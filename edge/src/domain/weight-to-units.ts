/** The outcome of reading a bin's weight change as units of its item. */
export type WeightChange =
  | { kind: "none" }
  | { kind: "units"; units: number }
  | { kind: "not-whole"; units: number; remainderG: number };

/**
 * Reads a weight change (grams, negative = taken) as a whole number of
 * units, within a tolerance in grams. Changes within the tolerance of zero
 * are noise.
 */
export function weightToUnits(deltaG: number, unitWeightG: number, toleranceG: number): WeightChange {
  if (!(unitWeightG > 0) || !Number.isFinite(deltaG)) return { kind: "none" };
  const units = Math.round(deltaG / unitWeightG);
  const remainderG = deltaG - units * unitWeightG;
  if (Math.abs(remainderG) > toleranceG) return { kind: "not-whole", units, remainderG };
  return units === 0 ? { kind: "none" } : { kind: "units", units };
}
