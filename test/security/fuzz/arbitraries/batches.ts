import fc from "fast-check";
import { goodEvent } from "./edge-events.js";
import { FUZZ_LOCATIONS, FUZZ_SITE, FUZZ_SKUS } from "./fuzz-site.js";

const NOW = Date.parse("2026-11-22T08:00:00.000Z");

/** A valid batch envelope of valid events of the fuzz site (no store involved: fixed ids are fine). */
export const validBatch = fc
  .record({
    edgeId: fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
    batchId: fc.uuid({ version: 7 }),
    seq: fc.nat(),
    instanceId: fc.option(fc.uuid({ version: 4 }), { nil: undefined }),
    events: fc.array(fc.tuple(goodEvent, fc.uuid({ version: 7 })), { minLength: 1, maxLength: 5 }),
  })
  .map(({ events, instanceId, ...envelope }) => ({
    v: 1,
    ...envelope,
    siteId: FUZZ_SITE.siteId,
    ...(instanceId === undefined ? {} : { instanceId }),
    sentAt: new Date(NOW).toISOString(),
    events: events.map(([event, id]) => event.build(id, "LOT1", NOW)),
  }));

const rejection = fc.record(
  {
    id: fc.uuid({ version: 7 }),
    index: fc.nat(5000),
    code: fc.constantFrom("TALLY_ERR_EVENT_SCHEMA", "TALLY_ERR_EVENT_CONFLICT", "TALLY_ERR_SITE_MISMATCH"),
    reason: fc.string({ maxLength: 80 }),
  },
  { requiredKeys: ["index", "code", "reason"] },
);

/** A valid commit acknowledgement, as the cloud sends it. */
export const validAck = fc.record({
  v: fc.constant(1),
  edgeId: fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
  batchId: fc.uuid({ version: 7 }),
  seq: fc.nat(),
  status: fc.constantFrom("committed", "rejected"),
  committed: fc.array(fc.uuid({ version: 7 }), { maxLength: 5 }),
  duplicates: fc.array(fc.uuid({ version: 7 }), { maxLength: 5 }),
  rejected: fc.array(rejection, { maxLength: 3 }),
  committedAt: fc.constant(new Date(NOW).toISOString()),
});

const expectedLine = fc.record(
  {
    sku: fc.constantFrom(...FUZZ_SKUS),
    qty: fc.integer({ min: 1, max: 1_000_000 }),
    sscc: fc.stringMatching(/^\d{18}$/),
    lot: fc.stringMatching(/^[A-Z0-9]{1,20}$/),
  },
  { requiredKeys: ["sku", "qty"] },
);

const expected = fc.record({
  id: fc.uuid({ version: 7 }),
  siteId: fc.constant(FUZZ_SITE.siteId),
  dock: fc.constantFrom(...FUZZ_LOCATIONS),
  status: fc.constantFrom("open", "closed"),
  lines: fc.array(expectedLine, { minLength: 1, maxLength: 3 }),
});

const binStock = fc.record({
  location: fc.constantFrom(...FUZZ_LOCATIONS),
  sku: fc.constantFrom(...FUZZ_SKUS),
  units: fc.integer({ min: -1000, max: 1_000_000 }),
});

/** Reference data as the cloud serves it to an edge: the fuzz site's items, some expected documents, its bin stock. */
export const validReferenceData = fc.record(
  {
    siteId: fc.constant(FUZZ_SITE.siteId),
    asOf: fc.constant(new Date(NOW).toISOString()),
    items: fc.constant(FUZZ_SITE.items),
    expectedReceipts: fc.array(expected, { maxLength: 2 }),
    expectedShipments: fc.array(expected, { maxLength: 2 }),
    binStock: fc.array(binStock, { maxLength: 3 }),
  },
  { requiredKeys: ["siteId", "asOf", "items", "expectedReceipts", "expectedShipments"] },
);
