/**
 * GS1 General Specifications §7.9.1: the standard check digit for GTIN-8,
 * GTIN-12, GTIN-13, GTIN-14, GLN and SSCC. Weights 3 and 1 alternate from the
 * rightmost data digit.
 */
export function gs1CheckDigit(digitsWithoutCheck: string): number {
  let sum = 0;
  for (let i = 0; i < digitsWithoutCheck.length; i++) {
    const digit = digitsWithoutCheck.charCodeAt(digitsWithoutCheck.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when `digits` (all numeric) ends in its correct GS1 check digit. */
export function hasValidCheckDigit(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  return gs1CheckDigit(digits.slice(0, -1)) === Number(digits.at(-1));
}

/** Left-pads a GTIN-8/12/13/14 to 14 digits; returns undefined for anything else. */
export function toGtin14(gtin: string): string | undefined {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(gtin)) return undefined;
  return gtin.padStart(14, "0");
}

/**
 * GS1 General Specifications §3.2 (AI 01, 02), §7.9.1: GS1 keys whose numeric
 * part carries a mod-10 check digit. True when `digits[start, start + length)`
 * is numeric and ends in its correct check digit.
 */
export function hasValidCheckDigitAt(digits: string, start: number, length: number): boolean {
  if (start < 0 || length < 2 || start + length > digits.length) return false;
  return hasValidCheckDigit(digits.slice(start, start + length));
}

// GS1 General Specifications §7.9.5 ("check character calculation for
// alphanumeric keys", used by the GMN, AI 8013): characters of CSET 82 weigh by
// their position in this string; the pair is drawn from CSET 32.
const CSET82_BY_WEIGHT = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

function firstPrimes(count: number): number[] {
  const primes: number[] = [];
  for (let n = 2; primes.length < count; n++) {
    if (primes.every((p) => n % p !== 0)) primes.push(n);
  }
  return primes;
}

const PRIMES = firstPrimes(97);

/**
 * GS1 General Specifications §7.9.5: the two check characters (CSET 32) of an
 * alphanumeric key such as a GMN, computed over `data` (CSET 82, at most 97
 * characters). Undefined when `data` is out of that range.
 */
export function gs1CheckCharacterPair(data: string): string | undefined {
  if (data.length > PRIMES.length) return undefined;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const weight = CSET82_BY_WEIGHT.indexOf(data.charAt(i));
    const prime = PRIMES[data.length - 1 - i];
    if (weight < 0 || prime === undefined) return undefined;
    sum += weight * prime;
  }
  sum %= 1021;
  return CSET32.charAt(sum >> 5) + CSET32.charAt(sum & 31);
}

/** True when `key` ends in the correct GS1 check character pair (§7.9.5). */
export function hasValidCheckCharacterPair(key: string): boolean {
  if (key.length < 2) return false;
  return gs1CheckCharacterPair(key.slice(0, -2)) === key.slice(-2);
}
