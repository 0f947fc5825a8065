import { EpcErrorCode, ErrorCode, Gs1ProblemCode, LedgerErrorCode } from "@tally/protocols";

/** Every code a refusal may carry: the wire catalogue and the codecs' finer codes. */
const KNOWN_CODES: ReadonlySet<string> = new Set([
  ...Object.values(ErrorCode),
  ...Object.values(LedgerErrorCode),
  ...Object.values(EpcErrorCode),
  ...Object.values(Gs1ProblemCode),
]);

/** Fails unless `code` is a catalogued `TALLY_ERR_…` code and `reason` says something. */
export function expectCodeAndReason(what: string, code: unknown, reason: unknown): void {
  if (typeof code !== "string" || !KNOWN_CODES.has(code)) {
    throw new Error(`${what}: refusal code ${JSON.stringify(code)} is not in the catalogue`);
  }
  if (typeof reason !== "string" || reason.trim() === "") {
    throw new Error(`${what}: refusal ${code} has no reason`);
  }
}

/** A `Result` (`{ ok, value } | { ok: false, error: { code, reason } }`) that is a value or a coded refusal. */
export function expectResult(what: string, result: unknown): void {
  if (typeof result !== "object" || result === null || !("ok" in result)) {
    throw new Error(`${what}: not a Result: ${String(result)}`);
  }
  if (result.ok === true) return;
  if (result.ok !== false || !("error" in result) || typeof result.error !== "object" || result.error === null) {
    throw new Error(`${what}: a failed Result without an error`);
  }
  const error = result.error as { code?: unknown; reason?: unknown; message?: unknown };
  // The EPC codec names its reason `message`.
  expectCodeAndReason(what, error.code, error.reason ?? error.message);
}
