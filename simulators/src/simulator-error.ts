import { ErrorCode } from "@tally/protocols";

/** The catalogue codes the simulators refuse with. */
export const SimulatorErrorCode = {
  ScenarioInvalid: ErrorCode.ScenarioInvalid,
  StartFailed: ErrorCode.SimulatorStart,
  CloudRefused: ErrorCode.SimulatorCloud,
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
