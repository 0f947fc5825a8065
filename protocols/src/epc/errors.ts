/**
 * Stable codes for everything the EPC codec refuses (TDS 2.x binary and URI
 * forms). Codes are stable; messages are for people and may change.
 */
export const EpcErrorCode = {
  /** The input contains a character that is not `0-9`, `a-f` or `A-F`. */
  NotHex: "TALLY_ERR_EPC_NOT_HEX",
  /** Empty, odd, or not the bit length the header's scheme requires. */
  Length: "TALLY_ERR_EPC_LENGTH",
  /** The header or scheme name is not one this codec can produce (encode) or was asked for. */
  Header: "TALLY_ERR_EPC_HEADER",
  /** Partition value 7 (undefined), or a company prefix length no partition row has. */
  Partition: "TALLY_ERR_EPC_PARTITION",
  /** A field outside its range: digits beyond the partition's count, a non-zero reserved bit, a bad filter. */
  Range: "TALLY_ERR_EPC_RANGE",
  /** A serial (or extension / asset reference) the scheme forbids. */
  Serial: "TALLY_ERR_EPC_SERIAL",
  /** A malformed EPC URI (pure identity, tag or raw). */
  Uri: "TALLY_ERR_EPC_URI",
} as const;
/** One of the {@link EpcErrorCode} values. */
export type EpcErrorCode = (typeof EpcErrorCode)[keyof typeof EpcErrorCode];

/** Why an EPC could not be decoded or encoded: a stable code and a specific message. */
export interface EpcError {
  code: EpcErrorCode;
  message: string;
}

/** The result of every EPC codec function: a value or an {@link EpcError}; the codec never throws. */
export type EpcResult<T> = { ok: true; value: T } | { ok: false; error: EpcError };

/** Wraps a value as a successful {@link EpcResult}. */
export const epcOk = <T>(value: T): EpcResult<T> => ({ ok: true, value });

/** Builds a failed {@link EpcResult} with `code` and `message`. */
export const epcFail = (code: EpcErrorCode, message: string): EpcResult<never> => ({
  ok: false,
  error: { code, message },
});

const PREVIEW_CHARS = 40;

/** Quotes at most 40 characters of untrusted input for an error message (inputs may be megabytes long). */
export function preview(input: string): string {
  const head = [...input.slice(0, PREVIEW_CHARS + 2)].slice(0, PREVIEW_CHARS).join("");
  return head.length < input.length ? `${JSON.stringify(head)}… (${input.length} chars)` : JSON.stringify(input);
}
