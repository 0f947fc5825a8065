import { describe, expect, it } from "vitest";
import { newEdgeCounters } from "./edge-metrics-snapshot.js";
import { readerClockLog } from "./reader-clock-log.js";
import { recordingLogger } from "./testing/recording-logger.js";

const estimate = (deviceId: string, offsetMs: number, correcting: boolean) => ({
  deviceId,
  offsetMs,
  correcting,
  steady: true,
});

describe("readerClockLog", () => {
  it("keeps each reader's latest offset and logs only when its read times start or stop being corrected", () => {
    const { readerClocks } = newEdgeCounters();
    const { logger, lines } = recordingLogger();
    const onReaderClock = readerClockLog(readerClocks, logger);
    onReaderClock(estimate("portal-d1", 40, false));
    expect(lines).toEqual([]);
    onReaderClock(estimate("portal-d1", 9_000, true));
    onReaderClock(estimate("portal-d1", 9_100, true));
    expect(readerClocks).toEqual({ "portal-d1": { offsetMs: 9_100, correcting: true } });
    onReaderClock(estimate("portal-d1", 30, false));
    onReaderClock(estimate("portal-d1", 35, false));
    expect(lines).toMatchObject([
      {
        level: "warn",
        msg: "reader clock is off: its read times are put on the edge's clock (set the reader's NTP)",
        deviceId: "portal-d1",
        offsetMs: 9_000,
      },
      {
        level: "info",
        msg: "reader clock within tolerance again: its own read times are kept",
        deviceId: "portal-d1",
        offsetMs: 30,
      },
    ]);
    expect(readerClocks["portal-d1"]).toEqual({ offsetMs: 35, correcting: false });
  });

  it("warns at a reader's first estimate when it is already off, each reader on its own", () => {
    const { readerClocks } = newEdgeCounters();
    const { logger, lines } = recordingLogger();
    const onReaderClock = readerClockLog(readerClocks, logger);
    onReaderClock(estimate("portal-d1", -7_000, true));
    onReaderClock(estimate("portal-d2", 10, false));
    expect(lines).toMatchObject([{ level: "warn", deviceId: "portal-d1", offsetMs: -7_000 }]);
    expect(Object.keys(readerClocks)).toEqual(["portal-d1", "portal-d2"]);
  });
});
