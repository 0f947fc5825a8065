import type { Logger } from "pino";
import type { EdgeCounters } from "./edge-metrics-snapshot.js";
import type { ReaderClockEstimate } from "./pipelines/correct-reader-clocks.js";

/**
 * Keeps each reader's clock offset for the metrics and logs when a reader's read times start or stop being put
 * on the edge's clock: a warning when one is off (its first estimate included), a note when it is back.
 */
export function readerClockLog(
  readerClocks: EdgeCounters["readerClocks"],
  logger: Pick<Logger, "warn" | "info">,
): (estimate: ReaderClockEstimate) => void {
  return ({ deviceId, offsetMs, correcting }) => {
    const before = readerClocks[deviceId];
    readerClocks[deviceId] = { offsetMs, correcting };
    if (before !== undefined && before.correcting === correcting) return;
    if (correcting) {
      logger.warn(
        { deviceId, offsetMs },
        "reader clock is off: its read times are put on the edge's clock (set the reader's NTP)",
      );
    } else if (before !== undefined) {
      logger.info({ deviceId, offsetMs }, "reader clock within tolerance again: its own read times are kept");
    }
  };
}
