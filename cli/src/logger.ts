import { type Logger, pino } from "pino";

/**
 * The CLI's logger: JSON lines on stderr, so stdout stays for machine-readable
 * output. The level comes from TALLY_LOG_LEVEL (default info).
 */
export function createLogger(level = process.env.TALLY_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: false }));
}
