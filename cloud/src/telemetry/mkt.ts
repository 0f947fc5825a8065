/**
 * Mean kinetic temperature (USP ⟨1079⟩, "Good Storage and Distribution
 * Practices for Drug Products"): the single temperature that would degrade a
 * product as much as the varying temperatures it actually saw, under the
 * Arrhenius equation. Pure.
 *
 *   T_K = (ΔH/R) / −ln( Σ wᵢ·exp(−ΔH/(R·Tᵢ)) / Σ wᵢ )
 *
 * with Tᵢ in kelvin. USP weights every reading equally (readings at a fixed
 * interval); here each reading carries a weight, its duration, so uneven
 * readings (gaps, a sensor sending faster for a while) count for the time
 * they stand for and not for how many there are.
 */

/** The molar gas constant R, J/(mol·K) (CODATA 2014, the value USP ⟨1079⟩ quotes). */
export const GAS_CONSTANT_J_PER_MOL_K = 8.3144598;
/** USP ⟨1079⟩'s default activation energy ΔH, kJ/mol, when a product's own is not known. */
export const DEFAULT_ACTIVATION_KJ_PER_MOL = 83.144;
/** Bounds on ΔH a caller may ask for, kJ/mol: published values for drug products lie well inside. */
export const MIN_ACTIVATION_KJ_PER_MOL = 10;
export const MAX_ACTIVATION_KJ_PER_MOL = 500;

const ZERO_CELSIUS_K = 273.15;

/** One temperature held for a while. */
export interface MktSample {
  /** °C. */
  tempC: number;
  /** How much it counts: its duration (any unit, the same for every sample), > 0. */
  weight: number;
}

/**
 * The mean kinetic temperature of `samples` in °C, or `undefined` when there
 * is nothing to average (no sample with a positive weight and a temperature
 * above absolute zero; such samples are skipped, never an error).
 */
export function meanKineticTemperatureC(
  samples: Iterable<MktSample>,
  activationKjPerMol: number = DEFAULT_ACTIVATION_KJ_PER_MOL,
): number | undefined {
  // ΔH/R in kelvin: 83.144 kJ/mol gives 10 000 K, USP's round figure.
  const ratioK = (activationKjPerMol * 1000) / GAS_CONSTANT_J_PER_MOL_K;
  const terms: { exponent: number; weight: number }[] = [];
  let maxExponent = Number.NEGATIVE_INFINITY;
  let totalWeight = 0;
  for (const s of samples) {
    const kelvin = s.tempC + ZERO_CELSIUS_K;
    if (!(kelvin > 0) || !(s.weight > 0) || !Number.isFinite(s.weight) || !Number.isFinite(kelvin)) continue;
    const exponent = -ratioK / kelvin;
    terms.push({ exponent, weight: s.weight });
    totalWeight += s.weight;
    if (exponent > maxExponent) maxExponent = exponent;
  }
  if (terms.length === 0) return undefined;
  // Log-sum-exp: exp(−ΔH/RT) is about 1e-16 at 2 °C and far smaller for a cold ΔH or a freezer;
  // factoring out the largest term keeps the sum exact to the last digit whatever the magnitudes.
  let scaled = 0;
  for (const t of terms) scaled += t.weight * Math.exp(t.exponent - maxExponent);
  const logMean = maxExponent + Math.log(scaled / totalWeight);
  return ratioK / -logMean - ZERO_CELSIUS_K;
}
