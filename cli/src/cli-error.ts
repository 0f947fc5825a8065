import type { ErrorCode } from "@tally/protocols";

/** A refusal of the command line itself (bad option, unknown name): printed with its code, exit status 1. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Parses a positive number option or refuses it by name. */
export function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new CliError("TALLY_ERR_USAGE", `${name} must be a positive number, got ${value}`);
  return n;
}

/** Parses a positive whole number option or refuses it by name. */
export function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0 || !/^\d+$/.test(value.trim()))
    throw new CliError("TALLY_ERR_USAGE", `${name} must be a positive whole number, got ${value}`);
  return n;
}

/** Parses an http(s) URL option or refuses it by name. */
export function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError("TALLY_ERR_USAGE", `${name} must be an http:// or https:// URL, got ${value}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new CliError("TALLY_ERR_USAGE", `${name} must be an http:// or https:// URL, got ${value}`);
  return url.href;
}
