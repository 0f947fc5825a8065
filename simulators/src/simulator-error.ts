import type { ErrorCode } from "@tally/protocols";

/**
 * Codes for refusals that have no entry in the protocols catalogue yet.
 * TODO(protocols): move `TALLY_ERR_SCENARIO_INVALID` and `TALLY_ERR_SIM_START` into `ErrorCode`.
 */
export const SimulatorErrorCode = {
  ScenarioInvalid: "TALLY_ERR_SCENARIO_INVALID",
  StartFailed: "TALLY_ERR_SIM_START",
} as const;
export type SimulatorErrorCode = (typeof SimulatorErrorCode)[keyof typeof SimulatorErrorCode];

/** An error the simulators throw on purpose: a stable code and a human message. */
export class SimulatorError extends Error {
  override readonly name = "SimulatorError";
  readonly code: ErrorCode | SimulatorErrorCode;

  constructor(code: ErrorCode | SimulatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
