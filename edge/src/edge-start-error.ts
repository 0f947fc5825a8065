import type { ErrorCode } from "@tally/protocols";

/** The edge will not start as configured; `code` is from the protocols catalogue, the message says what to fix. */
export class EdgeStartError extends Error {
  override name = "EdgeStartError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
