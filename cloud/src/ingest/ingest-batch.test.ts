import { randomUUID } from "node:crypto";
import { CommitAck, type CorrectionTask, ErrorCode, type ReadingColumns } from "@tally/protocols";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Alert } from "../alerts/alert.js";
import { AlertHub } from "../alerts/alert-hub.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { AT, batch, condition, everyLocationKnown, movement, tempStore } from "../testing/fixtures.js";
import { decodeBatch } from "./decode-batch.js";
import { ingestBatch, rejectBatch } from "./ingest-batch.js";
import type { SiteFactsSource } from "./site-checks.js";
import { SiteFactsCache } from "./site-facts.js";
import { UnknownSiteWatch } from "./unknown-site-watch.js";

const now = () => new Date("2026-11-22T10:00:00.000Z");

describe("ingestBatch", () => {
  let store: LedgerStore;
  let dispose: () => Promise<void>;
  let alerts: AlertHub;
  let published: Alert[];
  beforeEach(async () => {
    ({ store, dispose } = await tempStore());
    alerts = new AlertHub();
    published = [];
    alerts.subscribe((a) => published.push(a));
  });
  afterEach(async () => {
    await dispose();
  });

  it("records that a batch of an edge process committed, for another cloud instance, even with every event refused", async () => {
    const instanceId = "0193a5e0-0000-7000-8000-00000000000b";
    const nothingKnown: SiteFactsSource = {
      facts: async () => ({ known: true, locations: new Set(), skus: new Set() }),
    };
    const ack = await ingestBatch(
      { store, alerts, now, siteFacts: nothingKnown },
      batch([movement()], { seq: 3, instanceId }),
    );
    expect(ack.status).toBe("committed");
    expect(ack.rejected.map((r) => r.code)).toEqual([ErrorCode.LocationUnknown]);
    expect(await store.batchCommitted({ edgeId: "edge-1", instanceId, seq: 3 })).toBe(true);
    expect(await store.batchCommitted({ edgeId: "edge-1", instanceId, seq: 4 })).toBe(false);
  });

  it("commits valid events and answers with a committed ack after the commit", async () => {
    const m = movement();
    const b = batch([m], { seq: 7 });
    const ack = await ingestBatch({ store, alerts, now, siteFacts: everyLocationKnown }, b);
    expect(CommitAck.parse(ack)).toEqual({
      v: 1,
      edgeId: "edge-1",
      batchId: b.batchId,
      seq: 7,
      status: "committed",
      committed: [m.id],
      duplicates: [],
      rejected: [],
      committedAt: "2026-11-22T10:00:00.000Z",
    });
    expect(await store.stock()).toHaveLength(1);
  });

  it("rejects one bad event alone, with its index, id and reason, and commits the rest", async () => {
    const good = movement();
    const bad = { ...movement(), qty: -1 };
    const ack = await ingestBatch(
      { store, alerts, now, siteFacts: everyLocationKnown },
      batch([bad, good, "not an event"]),
    );
    expect(ack.committed).toEqual([good.id]);
    expect(ack.rejected).toEqual([
      { index: 0, id: bad.id, code: ErrorCode.EventSchema, reason: expect.stringContaining("qty") },
      { index: 2, code: ErrorCode.EventSchema, reason: expect.any(String) },
    ]);
  });

  it("hands off valid telemetry as sent and refuses bad telemetry with the schema's reasons (from JSON text)", async () => {
    const reading = (value: string, extra = "") =>
      `{"kind":"telemetry","id":"${randomUUID()}","siteId":"S1","occurredAt":"${AT}","deviceId":"t-1",` +
      `"metric":"temperature","value":${value},"unit":"Cel","location":"S1/A/01"${extra}}`;
    const events = [
      reading("4.5"),
      reading('"4.5"'),
      reading("1e999"),
      reading("4.5", ',"__proto__":{"polluted":true}'),
      reading("4.5", `,"unit":"${"u".repeat(17)}"`),
      reading("-3", ',"summary":{"periodS":60,"min":-4,"max":-2,"count":12}'),
    ];
    const text = JSON.stringify(batch([])).replace('"events":[]', `"events":[${events.join(",")}]`);
    const decoded = decodeBatch(Buffer.from(text));
    if (!decoded.ok) throw new Error(decoded.error.reason);
    const sent = decoded.value.events as { id: string }[];
    const ack = await ingestBatch({ store, alerts, now, siteFacts: everyLocationKnown }, decoded.value);
    expect(ack.committed.sort()).toEqual([sent[0]?.id, sent[5]?.id].sort());
    expect(ack.rejected).toEqual([
      { index: 1, id: sent[1]?.id, code: ErrorCode.EventSchema, reason: expect.stringMatching(/^value: .*number/) },
      { index: 2, id: sent[2]?.id, code: ErrorCode.EventSchema, reason: expect.stringMatching(/^value: /) },
      { index: 3, id: sent[3]?.id, code: ErrorCode.EventSchema, reason: expect.stringContaining("__proto__") },
      { index: 4, id: sent[4]?.id, code: ErrorCode.EventSchema, reason: expect.stringMatching(/^unit: /) },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [row] = await store.pendingTelemetry(100);
    expect(row?.telemetry.map((t) => [t.id, t.value])).toEqual([
      [sent[0]?.id, 4.5],
      [sent[5]?.id, -3],
    ]);
  });

  it("rejects events of another site than the batch's", async () => {
    const other = movement({ siteId: "S2", to: "S2/A/01" });
    const ack = await ingestBatch({ store, alerts, now, siteFacts: everyLocationKnown }, batch([other]));
    expect(ack.rejected).toEqual([
      { index: 0, id: other.id, code: ErrorCode.SiteMismatch, reason: expect.any(String) },
    ]);
    expect(await store.movements()).toEqual([]);
  });

  it("reports resends as duplicates and reused ids as conflicts, at the right index", async () => {
    const m = movement();
    const n = movement();
    await ingestBatch({ store, alerts, now, siteFacts: everyLocationKnown }, batch([m, n]));
    const fresh = movement();
    const ack = await ingestBatch(
      { store, alerts, now, siteFacts: everyLocationKnown },
      batch([fresh, m, { ...n, qty: 6 }, m, { ...n, qty: 6 }]),
    );
    expect(ack.committed).toEqual([fresh.id]);
    expect(ack.duplicates).toEqual([m.id, m.id]);
    expect(ack.rejected.map((r) => [r.index, r.id, r.code])).toEqual([
      [2, n.id, ErrorCode.EventConflict],
      [4, n.id, ErrorCode.EventConflict],
    ]);
  });

  it("refuses an id the batch itself holds twice with different content", async () => {
    const m = movement();
    const ack = await ingestBatch(
      { store, alerts, now, siteFacts: everyLocationKnown },
      batch([m, { ...m, qty: 9 }, m]),
    );
    expect(ack.committed).toEqual([m.id]);
    expect(ack.duplicates).toEqual([m.id]);
    expect(ack.rejected.map((r) => [r.index, r.code])).toEqual([[1, ErrorCode.EventConflict]]);
    expect((await store.stock())[0]?.qty).toBe(5);
  });

  it("takes an id repeated in the batch with its keys in another order as the same event", async () => {
    const m = movement();
    const reordered = Object.fromEntries(Object.entries(m).reverse());
    const ack = await ingestBatch({ store, alerts, now, siteFacts: everyLocationKnown }, batch([m, reordered]));
    expect(ack.committed).toEqual([m.id]);
    expect(ack.duplicates).toEqual([m.id]);
    expect(ack.rejected).toEqual([]);
  });

  it("publishes alert changes after the commit, once even when the batch is resent", async () => {
    const b = batch([condition()]);
    await ingestBatch({ store, alerts, now, siteFacts: everyLocationKnown }, b);
    await ingestBatch({ store, alerts, now, siteFacts: everyLocationKnown }, b);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ status: "open", severity: "critical" });
  });

  it("lets a failed commit throw so that no ack is sent", async () => {
    await store.close();
    await expect(
      ingestBatch({ store, alerts, now, siteFacts: everyLocationKnown }, batch([movement()])),
    ).rejects.toThrow();
    expect(published).toEqual([]);
  });
});

describe("rejectBatch", () => {
  it("refuses every event of a batch with one code", () => {
    const m = movement();
    const ack = rejectBatch(batch([m, 42]), { code: ErrorCode.SiteMismatch, reason: "topic" }, now());
    expect(ack.status).toBe("rejected");
    expect(ack.rejected).toEqual([
      { index: 0, id: m.id, code: ErrorCode.SiteMismatch, reason: "topic" },
      { index: 1, code: ErrorCode.SiteMismatch, reason: "topic" },
    ]);
  });
});

describe("decodeBatch", () => {
  const bytes = (text: string) => Buffer.from(text, "utf8");

  it("decodes a valid envelope", () => {
    const b = batch([movement()]);
    expect(decodeBatch(bytes(JSON.stringify(b)))).toEqual({ ok: true, value: b });
  });

  it("refuses what is not JSON, not an envelope, or too large, with a code", () => {
    expect(decodeBatch(bytes("{nope"))).toMatchObject({ ok: false, error: { code: ErrorCode.MessageNotJson } });
    expect(decodeBatch(bytes('{"v":2}'))).toMatchObject({ ok: false, error: { code: ErrorCode.EnvelopeSchema } });
    expect(decodeBatch(Buffer.alloc(8 * 1024 * 1024 + 1))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.MessageTooLarge },
    });
  });
});

describe("ingestBatch against the site's imported layout", () => {
  let clock = 0;
  let store: LedgerStore;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    clock = 0;
    ({ store, dispose } = await tempStore());
    await store.importSite({
      siteId: "S1",
      zones: [{ id: "A", kind: "storage", temperatureClass: "ambient" }],
      locations: [{ code: "S1/A/01", zone: "A" }],
      devices: [],
      items: [{ sku: "SKU-1", gtins: [], temperatureClass: "ambient" }],
    });
    await store.importSite({
      siteId: "S2",
      zones: [{ id: "A", kind: "storage", temperatureClass: "ambient" }],
      locations: [{ code: "S2/A/01", zone: "A" }],
      devices: [],
      items: [],
    });
  });
  afterEach(async () => {
    await dispose();
  });
  const deps = () => ({ store, alerts: new AlertHub(), now, siteFacts: new SiteFactsCache(store, () => clock) });

  it("refuses impossible movements with a reason each, and commits the rest of the batch", async () => {
    const good = movement({ qty: 2 });
    const otherSite = movement({ to: "S2/A/01" });
    const nowhere = movement({ to: "S1/A/99" });
    const unknownSku = movement({ sku: "NOPE" });
    const far = movement({ occurredAt: "9999-01-01T00:00:00.000Z" });
    const old = movement({ occurredAt: "2020-01-01T00:00:00.000Z" });
    const strayTask: CorrectionTask = {
      kind: "task",
      id: "00000000-0000-7000-8000-000000000007",
      siteId: "S1",
      occurredAt: AT,
      taskType: "WRONG_ZONE",
      location: "S1/Z/01",
      priority: "normal",
      detail: "seen where it may not be",
      evidence: { deviceId: "portal-1", observationIds: [] },
    };
    const ack = await ingestBatch(deps(), batch([good, otherSite, nowhere, unknownSku, far, old, strayTask]));
    expect(ack.committed).toEqual([good.id]);
    expect(ack.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, ErrorCode.LocationUnknown],
      [2, ErrorCode.LocationUnknown],
      [3, ErrorCode.SkuUnknown],
      [4, ErrorCode.TimeOutOfRange],
      [5, ErrorCode.TimeOutOfRange],
      [6, ErrorCode.LocationUnknown],
    ]);
    expect(ack.rejected[0]?.reason).toBe("location S2/A/01 is not of site S1");
    expect(ack.rejected[1]?.reason).toBe("location S1/A/99 is not in the imported layout of site S1");
    expect(await store.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 2 }]);
    expect(await store.tasks.list()).toEqual([]);
  });

  it("refuses the whole batch of a site whose layout was never imported, so the edge keeps it and resends; says so once a minute", async () => {
    const warnings: unknown[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    let ms = Date.parse(AT);
    const unknownSites = new UnknownSiteWatch({ store, alerts: new AlertHub(), logger }, () => ms);
    const d = { ...deps(), unknownSites };
    const m = movement({ siteId: "S3", to: "S3/A/01" });
    const ack = await ingestBatch(d, batch([m], { siteId: "S3" }));
    expect(ack.status).toBe("rejected");
    expect(ack.committed).toEqual([]);
    expect(ack.rejected).toEqual([expect.objectContaining({ id: m.id, code: ErrorCode.SiteUnknown })]);
    expect(await store.movements()).toEqual([]);
    // The resend a moment later is refused too, without a second warning.
    await ingestBatch(d, batch([m], { siteId: "S3" }));
    expect(warnings).toEqual([expect.objectContaining({ siteId: "S3", edgeId: "edge-1" })]);
    const open = await store.alerts({ status: "open" });
    expect(open).toEqual([
      expect.objectContaining({ kind: "SITE_LAYOUT_MISSING", siteId: "S3", dedupKey: "SITE_LAYOUT_MISSING:S3" }),
    ]);
    // Imported: the next batch commits and the alert clears.
    await store.importSite({
      siteId: "S3",
      zones: [{ id: "A", kind: "storage", temperatureClass: "ambient" }],
      locations: [{ code: "S3/A/01", zone: "A" }],
      devices: [],
      items: [],
    });
    ms += 2000;
    clock += 2000;
    const taken = await ingestBatch(d, batch([m], { siteId: "S3" }));
    expect(taken.committed).toEqual([m.id]);
    expect(await store.alerts({ status: "open" })).toEqual([]);
  });

  it("knows a location imported after the cache was filled", async () => {
    const d = deps();
    await ingestBatch(d, batch([movement()]));
    await store.importSite({
      siteId: "S1",
      zones: [{ id: "A", kind: "storage", temperatureClass: "ambient" }],
      locations: [{ code: "S1/A/02", zone: "A" }],
      devices: [],
      items: [{ sku: "SKU-2", gtins: [], temperatureClass: "ambient" }],
    });
    // Within a second of the last read the cache does not go back to the store for a miss...
    const early = await ingestBatch(d, batch([movement({ sku: "SKU-2", to: "S1/A/02" })]));
    expect(early.rejected.map((r) => r.code)).toEqual([ErrorCode.LocationUnknown]);
    // ...after it, a miss reads the store again: what another instance imported is known.
    clock = 1000;
    const ack = await ingestBatch(d, batch([movement({ sku: "SKU-2", to: "S1/A/02" })]));
    expect(ack.rejected).toEqual([]);
  });
});

describe("ingestBatch with readings as columns", () => {
  let store: LedgerStore;
  let dispose: () => Promise<void>;
  const alerts = new AlertHub();
  beforeEach(async () => {
    ({ store, dispose } = await tempStore());
  });
  afterEach(async () => {
    await dispose();
  });

  it("commits readings sent as columns as one hand-off row, acknowledges them by count, and hands off a resend once", async () => {
    const ids = ["0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002", "bad"];
    const readings: ReadingColumns = {
      series: [["S1", "temp-1", "temperature", "Cel", null]],
      s: [0, 0, 0],
      id: ids,
      at: [AT, AT, AT],
      value: [4.1, 4.2, 4.3],
    };
    const m = movement();
    const sent = { ...batch([m]), readings };
    const deps = { store, alerts, now, siteFacts: everyLocationKnown };
    const ack = CommitAck.parse(await ingestBatch(deps, sent));
    expect(ack).toMatchObject({
      status: "committed",
      committed: [m.id],
      readings: { committed: 2 },
      rejected: [{ index: 3, id: "bad", code: ErrorCode.EventSchema }],
    });
    const again = await ingestBatch(deps, { ...sent, batchId: randomUUID(), seq: 1 });
    expect(again).toMatchObject({ status: "committed", duplicates: [m.id], readings: { committed: 2 } });
    const rows = await store.pendingTelemetry(100);
    expect(rows.flatMap((r) => r.telemetry.map((t) => [t.id, t.value]))).toEqual([
      [ids[0], 4.1],
      [ids[1], 4.2],
    ]);
    // A batch refused whole names its readings too, after its events.
    const refused = rejectBatch(sent, { code: ErrorCode.EdgeQuarantined, reason: "two processes" });
    expect(refused.rejected.map((r) => [r.index, r.id])).toEqual([
      [0, m.id],
      [1, ids[0]],
      [2, ids[1]],
      [3, "bad"],
    ]);
  });
});
