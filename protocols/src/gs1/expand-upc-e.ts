import { gs1CheckDigit } from "./check-digit.js";

/**
 * Expands a zero-suppressed UPC-E (8 digits: number system 0 or 1, six data
 * digits, check digit) to the 12-digit UPC-A it stands for (GS1 General
 * Specifications §7.10, UPC-E zero suppression: the last data digit says where
 * the zeros go). The check digit of a UPC-E is the one of its UPC-A; it is not
 * verified here. Undefined for anything that is no UPC-E.
 */
export function expandUpcE(upcE: string): string | undefined {
  if (!/^[01]\d{7}$/.test(upcE)) return undefined;
  const system = upcE.charAt(0);
  const d = upcE.slice(1, 7);
  const last = d.charAt(5);
  let body: string;
  if (last === "0" || last === "1" || last === "2") body = `${d.slice(0, 2)}${last}0000${d.slice(2, 5)}`;
  else if (last === "3") body = `${d.slice(0, 3)}00000${d.slice(3, 5)}`;
  else if (last === "4") body = `${d.slice(0, 4)}00000${d.charAt(4)}`;
  else body = `${d.slice(0, 5)}0000${last}`;
  return `${system}${body}${upcE.charAt(7)}`;
}

/** The check digit a UPC-E should end in: the one of its UPC-A (§7.9.1). Undefined for anything that is no UPC-E. */
export function upcECheckDigit(upcE: string): number | undefined {
  const upcA = expandUpcE(upcE);
  return upcA === undefined ? undefined : gs1CheckDigit(upcA.slice(0, 11));
}
