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
