import type { Telemetry } from "../events.js";

/** Test fixtures for sensor readings and the batches that carry them. */

/** A time-ordered event id made from `n`. */
export const readingId = (n: number): string => `0190a000-0000-7000-8000-${String(n).padStart(12, "0")}`;

/** Reading `n`: one of three cold-room sensors, a second apart, every other one with a location. */
export const reading = (n: number, over: Partial<Telemetry> = {}): Telemetry => ({
  kind: "telemetry",
  id: readingId(n),
  siteId: "DEMO",
  occurredAt: `2026-12-01T08:00:${String(n % 60).padStart(2, "0")}.000Z`,
  deviceId: `temp-${n % 3}`,
  metric: "temperature",
  value: n / 10,
  unit: "Cel",
  ...(n % 2 === 0 && { location: "DEMO/COLD/C1" }),
  ...over,
});

/** An edge batch envelope with no events, its fields overridden by `over`. */
export const batchEnvelope = (over: Record<string, unknown>): Record<string, unknown> => ({
  v: 1,
  edgeId: "edge-1",
  siteId: "DEMO",
  batchId: "0190a000-0000-7000-8000-0000000000aa",
  seq: 0,
  sentAt: "2026-12-01T08:00:00.000Z",
  events: [],
  ...over,
});
