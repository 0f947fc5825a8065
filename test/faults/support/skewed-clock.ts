/**
 * Preload (`node --import tsx --import <this file>`) that sets the process's
 * wall clock `TALLY_TEST_CLOCK_OFFSET_MS` off, as on a machine whose clock is
 * wrong: `Date.now()` and `new Date()` are shifted, monotonic time
 * (`performance.now()`, timers) is not. Nothing in the product changes.
 */
const offset = Number(process.env.TALLY_TEST_CLOCK_OFFSET_MS ?? "0");
if (!Number.isFinite(offset)) throw new Error("TALLY_TEST_CLOCK_OFFSET_MS must be a number of milliseconds");
const RealDate = Date;
const now = () => RealDate.now() + offset;
globalThis.Date = new Proxy(RealDate, {
  construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
  // `Date()` called as a function gives the current time as a string.
  apply: () => new RealDate(now()).toString(),
  get: (target, key, receiver) => (key === "now" ? now : Reflect.get(target, key, receiver)),
});
