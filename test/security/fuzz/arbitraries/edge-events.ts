import fc from "fast-check";
import { FUZZ_LOCATIONS, FUZZ_SITE, FUZZ_SKUS } from "./fuzz-site.js";
import { hostileKey, hostileValue, objectOf } from "./hostile-json.js";

/**
 * Events are generated as templates: the run gives each a fresh id, so a
 * replayed or shrunk case never meets the ids of an earlier one in a ledger
 * that outlives it, and its own lot, so its stock is its own.
 */
export interface GoodEvent {
  kind: "movement" | "task";
  build: (id: string, lot: string, now: number) => Record<string, unknown>;
}

/** How a bad event is bad; each is refused whatever else it holds. */
export type BadEvent =
  | { how: "schema"; build: (id: string, lot: string, now: number) => unknown }
  | { how: "other-site"; build: (id: string, lot: string, now: number) => unknown }
  | { how: "not-an-event"; value: unknown }
  /** Arrays nested `depth` deep, built by the run: fast-check's report would not print them. */
  | { how: "deep"; depth: number };

const deviceIds = FUZZ_SITE.devices.map((d) => d.id);

/** Up to an hour before now, in ms. */
const ago = fc.integer({ min: 0, max: 3_600_000 });

export const goodMovement: fc.Arbitrary<GoodEvent> = fc
  .record({
    movementType: fc.constantFrom("RECEIPT", "RETURN"),
    sku: fc.constantFrom(...FUZZ_SKUS),
    qty: fc.integer({ min: 1, max: 1000 }),
    to: fc.constantFrom(...FUZZ_LOCATIONS),
    deviceId: fc.constantFrom(...deviceIds),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    ago,
  })
  .map(({ ago: before, deviceId, ...m }) => ({
    kind: "movement" as const,
    build: (id: string, lot: string, now: number) => ({
      kind: "movement",
      id,
      siteId: FUZZ_SITE.siteId,
      occurredAt: new Date(now - before).toISOString(),
      ...m,
      lot,
      evidence: { deviceId, observationIds: [`${deviceId}/${before}`] },
    }),
  }));

export const goodTask: fc.Arbitrary<GoodEvent> = fc
  .record({
    taskType: fc.constantFrom("WRONG_ZONE", "UNKNOWN_TAG", "COUNT_MISMATCH"),
    location: fc.constantFrom(...FUZZ_LOCATIONS),
    sku: fc.constantFrom(...FUZZ_SKUS),
    priority: fc.constantFrom("low", "normal", "high"),
    detail: fc.string({ maxLength: 100 }),
    deviceId: fc.constantFrom(...deviceIds),
    ago,
  })
  .map(({ ago: before, deviceId, ...t }) => ({
    kind: "task" as const,
    build: (id: string, _lot: string, now: number) => ({
      kind: "task",
      id,
      siteId: FUZZ_SITE.siteId,
      occurredAt: new Date(now - before).toISOString(),
      ...t,
      evidence: { deviceId, observationIds: [] },
    }),
  }));

export const goodEvent: fc.Arbitrary<GoodEvent> = fc.oneof({ weight: 3, arbitrary: goodMovement }, goodTask);

/** One change that makes a valid movement invalid, whatever its other fields. */
const breakage: fc.Arbitrary<(event: Record<string, unknown>) => unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1.5, "5", 1e9, null, Number.NaN).map((qty) => (e: Record<string, unknown>) => ({ ...e, qty })),
  fc
    .constantFrom("movment", "", "__proto__", "constructor")
    .map((kind) => (e: Record<string, unknown>) => ({ ...e, kind })),
  fc
    .constantFrom("yesterday", "2026-13-01T00:00:00Z", "", "NaN")
    .map((t) => (e: Record<string, unknown>) => ({ ...e, occurredAt: t })),
  fc
    .constantFrom("nowhere", "FZ/DOCK", "FZ/DOCK/D1/extra", "")
    .map((to) => (e: Record<string, unknown>) => ({ ...e, to })),
  fc.constant((e: Record<string, unknown>) => {
    const { to: _to, ...rest } = e;
    return rest;
  }),
  // `strict`: an unknown key, named like a prototype or not, sinks the event.
  fc.tuple(hostileKey, hostileValue).map(
    ([key, value]) =>
      (e: Record<string, unknown>) =>
        objectOf([...Object.entries(e), [key, value]]),
  ),
  fc.constantFrom(2, -0.5).map((confidence) => (e: Record<string, unknown>) => ({ ...e, confidence })),
);

export const badEvent: fc.Arbitrary<BadEvent> = fc.oneof(
  fc.tuple(goodMovement, breakage).map(([good, breakIt]) => ({
    how: "schema" as const,
    build: (id: string, lot: string, now: number) => breakIt(good.build(id, lot, now)),
  })),
  goodEvent.map((good) => ({
    how: "other-site" as const,
    build: (id: string, lot: string, now: number) => ({ ...good.build(id, lot, now), siteId: "ELSEWHERE" }),
  })),
  hostileValue.map((value) => ({ how: "not-an-event" as const, value })),
  // Deeper than any serialiser recurses: the batch around it must still commit.
  fc.integer({ min: 3_000, max: 12_000 }).map((depth) => ({ how: "deep" as const, depth })),
);

/** The value of a bad event that has no id. */
export function badValue(bad: Extract<BadEvent, { how: "not-an-event" | "deep" }>): unknown {
  return bad.how === "deep" ? JSON.parse(`${"[".repeat(bad.depth)}${"]".repeat(bad.depth)}`) : bad.value;
}
