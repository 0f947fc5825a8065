import pino, { type Logger } from "pino";

/** A log line as pino wrote it: its level label, message and fields. */
export interface RecordedLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A real pino logger (debug and up) whose lines are kept in `lines`, for tests to read what was logged. */
export function recordingLogger(): { logger: Logger; lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  const logger = pino(
    { level: "debug", formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => lines.push(JSON.parse(line) as RecordedLine) },
  );
  return { logger, lines };
}
