/**
 * Passes the first value to `report`, then at most one every `intervalMs`
 * with how many were left out since the last one reported: a log line for
 * a failure that may repeat many times a second (a database away).
 */
export function nowAndThen<T>(
  intervalMs: number,
  report: (value: T, leftOut: number) => void,
  now: () => number = Date.now,
): (value: T) => void {
  let last = Number.NEGATIVE_INFINITY;
  let leftOut = 0;
  return (value) => {
    const at = now();
    if (at - last < intervalMs) {
      leftOut += 1;
      return;
    }
    report(value, leftOut);
    last = at;
    leftOut = 0;
  };
}
