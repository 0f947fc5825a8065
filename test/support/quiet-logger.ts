import { type Logger, pino } from "pino";

/** A logger for tests: silent unless TALLY_TEST_LOG names a level. */
export function testLogger(): Logger {
  return pino({ level: process.env.TALLY_TEST_LOG ?? "silent" });
}
