import type { Telemetry } from "@tally/protocols";
import type { DeadLetterRates } from "../domain/dead-letter-rates.js";

/** Counts dead letters now and hands over each window's events when it ends. */
export interface DeadLetterRateTimer {
  /** One dead letter, now, for the device (undefined: no device of the site file). */
  count(deviceId: string | undefined): void;
  /** No more timers; what the open window counted is not reported. */
  stop(): void;
}

/**
 * Drives `rates` with real time: a timer (unref'd, so it never keeps the
 * process alive) runs only while a window has something to report, and
 * wakes at the window's end to pass its events to `onEvents`.
 */
export function startDeadLetterRateTimer(
  rates: DeadLetterRates,
  onEvents: (events: Telemetry[]) => void,
  now: () => number = Date.now,
): DeadLetterRateTimer {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped || timer !== undefined) return;
    const due = rates.nextDueMs();
    if (due === undefined) return;
    timer = setTimeout(fire, Math.max(0, due - now()));
    timer.unref();
  };
  const fire = () => {
    timer = undefined;
    if (stopped) return;
    // A timer that woke a little early finds nothing yet and is armed again for the rest.
    const events = rates.collect(now());
    if (events.length > 0) onEvents(events);
    arm();
  };
  return {
    count(deviceId) {
      if (stopped) return;
      rates.count(deviceId, now());
      arm();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
