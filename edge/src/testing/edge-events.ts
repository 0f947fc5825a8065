import type { Condition, Movement } from "@tally/protocols";

/** The id of a test event: a UUIDv7 whose last group is `n`, so that events of one test sort by it. */
const eventId = (n: number) => `0190c7e4-0000-7000-8000-${String(n).padStart(12, "0")}`;

/**
 * A PICK movement for tests, with `fields` over it: one WIDGET from WH1/STOR/A1, scanned by scanner-1 at
 * 10:00 on 22 Nov 2026; `n` makes its id and its one observation id.
 */
export const pickMovement = (n = 1, fields: Partial<Movement> = {}): Movement => ({
  kind: "movement",
  id: eventId(n),
  siteId: "WH1",
  occurredAt: "2026-11-22T10:00:00.000Z",
  movementType: "PICK",
  sku: "WIDGET",
  qty: 1,
  from: "WH1/STOR/A1",
  evidence: { deviceId: "scanner-1", observationIds: [`scanner-1/${n}`] },
  confidence: 1,
  ...fields,
});

/**
 * A DEVICE_SILENT condition for tests, with `fields` over it: raised for scanner-1 at 10:00 on 22 Nov 2026,
 * with an id no `pickMovement` of a test takes.
 */
export const deviceSilentCondition = (fields: Partial<Condition> = {}): Condition => ({
  kind: "condition",
  id: eventId(100_000_000_000),
  siteId: "WH1",
  occurredAt: "2026-11-22T10:00:00.000Z",
  conditionType: "DEVICE_SILENT",
  state: "raised",
  key: "DEVICE_SILENT:scanner-1",
  deviceId: "scanner-1",
  detail: "no connection for 60 s",
  ...fields,
});
