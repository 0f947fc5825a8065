import { ErrorCode, type Excursion, LedgerErrorCode } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LedgerStore } from "../../ledger/ledger-store.js";
import { batch, bearer, condition, movement, TEST_TOKENS, testApp } from "../../testing/fixtures.js";

let app: FastifyInstance;
let store: LedgerStore;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ app, store, dispose } = await testApp());
});
afterEach(async () => {
  await dispose();
});

const at = (minutes: number) => new Date(Date.parse("2026-11-22T08:00:00.000Z") + minutes * 60_000).toISOString();

const excursion = (startMin: number, extra: Partial<Excursion> = {}): Excursion => ({
  startedAt: at(startMin),
  side: "above",
  limit: 8,
  peak: 9.5,
  durationS: 300,
  degreeMinutes: 3,
  unknownS: 0,
  graceS: 300,
  hysteresisC: 0.5,
  ...extra,
});

function raised(device: string, location: string, startMin: number) {
  return condition({
    key: `TEMPERATURE_EXCURSION:${device}`,
    deviceId: device,
    location,
    occurredAt: at(startMin + 5),
    excursion: excursion(startMin),
  });
}

function cleared(device: string, location: string, startMin: number, endMin: number, peak = 12) {
  return condition({
    state: "cleared",
    key: `TEMPERATURE_EXCURSION:${device}`,
    deviceId: device,
    location,
    occurredAt: at(endMin),
    excursion: excursion(startMin, { endedAt: at(endMin), durationS: (endMin - startMin) * 60, peak }),
  });
}

async function ingest(events: unknown[], token: string = TEST_TOKENS.edge) {
  const res = await app.inject({ method: "POST", url: "/v1/ingest", payload: batch(events), headers: bearer(token) });
  expect(res.statusCode).toBe(200);
  expect(res.json().rejected).toEqual([]);
  return res;
}

const get = (url: string, token: string = TEST_TOKENS.viewer) => app.inject({ url, headers: bearer(token) });
const hold = (id: string, token: string = TEST_TOKENS.supervisor) =>
  app.inject({ method: "POST", url: `/v1/excursions/${id}/hold`, headers: bearer(token) });

/** Stock in S1/COLD before, during and after an excursion from minute 60 to 120. */
const coldStock = () => [
  movement({ sku: "PEAS", lot: "L1", qty: 24, to: "S1/COLD/01", occurredAt: at(0) }),
  movement({ sku: "BEANS", qty: 5, to: "S1/COLD/02", occurredAt: at(10) }),
  movement({ sku: "BEANS", qty: 5, from: "S1/COLD/02", to: "S1/A/01", occurredAt: at(30) }),
  movement({ sku: "CORN", lot: "C7", qty: 6, from: "S1/A/01", to: "S1/COLD/02", occurredAt: at(90) }),
  movement({ sku: "MILK", qty: 2, to: "S1/COLD/01", occurredAt: at(150) }),
];

describe("excursions through the ingest path", () => {
  it("makes one closed record from a raise and its clear, with the stock at risk in it and in the alert", async () => {
    await ingest(coldStock());
    await ingest([raised("temp-1", "S1/COLD/01", 60)]);
    await ingest([cleared("temp-1", "S1/COLD/01", 60, 120)]);

    const list = await get("/v1/excursions?siteId=S1");
    expect(list.statusCode).toBe(200);
    const items = list.json().items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      siteId: "S1",
      deviceId: "temp-1",
      zone: "COLD",
      status: "closed",
      startedAt: at(60),
      raisedAt: at(65),
      endedAt: at(120),
      peak: 12,
      durationS: 3600,
      alertId: expect.any(String),
    });

    const one = await get(`/v1/excursions/${items[0].id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().stockAtRisk).toEqual([
      { sku: "CORN", lot: "C7", quantity: 6, locations: ["S1/COLD/02"] },
      { sku: "PEAS", lot: "L1", quantity: 24, locations: ["S1/COLD/01"] },
    ]);

    const alert = await get(`/v1/alerts/${items[0].alertId}`);
    expect(alert.statusCode).toBe(200);
    expect(alert.json().alert).toMatchObject({ kind: "TEMPERATURE_EXCURSION", status: "cleared" });
    expect(alert.json().alert.message).toContain("at risk: CORN lot C7 ×6, PEAS lot L1 ×24");
  });

  it("names the stock at risk in the alert as soon as it is raised", async () => {
    await ingest(coldStock());
    await ingest([raised("temp-1", "S1/COLD/01", 60)]);
    const alerts = (await get("/v1/alerts?kind=TEMPERATURE_EXCURSION")).json().alerts;
    expect(alerts).toHaveLength(1);
    expect(alerts[0].message).toContain("PEAS lot L1 ×24");
    const items = (await get("/v1/excursions?status=open")).json().items;
    expect(items).toMatchObject([{ status: "open", alertId: alerts[0].id }]);
  });

  it("ends as one closed record when the clear comes before its raise, and when batches are resent", async () => {
    const raise = raised("temp-1", "S1/COLD/01", 60);
    const clear = cleared("temp-1", "S1/COLD/01", 60, 120);
    const clearBatch = batch([clear]);
    await app.inject({ method: "POST", url: "/v1/ingest", payload: clearBatch, headers: bearer(TEST_TOKENS.edge) });
    await ingest([raise]);
    // The same batch again (the edge never got its ack): duplicates, and still one record.
    const again = await app.inject({
      method: "POST",
      url: "/v1/ingest",
      payload: clearBatch,
      headers: bearer(TEST_TOKENS.edge),
    });
    expect(again.json().duplicates).toEqual([clear.id]);
    const items = (await get("/v1/excursions")).json().items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: "closed", endedAt: at(120), raisedAt: at(65), peak: 12 });
    // The raise came last and opened an alert: the excursion is over, so it is cleared as its clear would have.
    const alert = (await get(`/v1/alerts/${items[0].alertId}`)).json().alert;
    expect(alert).toMatchObject({ kind: "TEMPERATURE_EXCURSION", status: "cleared" });
    expect(alert.message).toContain("no stock at risk");
  });

  it("makes a record from an older edge's conditions without `excursion`", async () => {
    await ingest([condition({ occurredAt: at(60), value: 10, limit: 8 })]);
    await ingest([condition({ state: "cleared", occurredAt: at(90) })]);
    const items = (await get("/v1/excursions")).json().items;
    expect(items).toMatchObject([
      {
        deviceId: "temp-1",
        zone: "COLD",
        status: "closed",
        startedAt: at(60),
        endedAt: at(90),
        durationS: 1800,
        peak: 10,
      },
    ]);
  });

  it("holds the stock at risk by itself when an excursion closes, if the policy says so", async () => {
    store.excursions.usePolicy({ holdOnClose: true });
    await ingest(coldStock());
    await ingest([raised("temp-1", "S1/COLD/01", 60)]);
    expect((await get("/v1/tasks?kind=QUARANTINE")).json().tasks).toEqual([]);
    await ingest([cleared("temp-1", "S1/COLD/01", 60, 120)]);
    const tasks = (await get("/v1/tasks?kind=QUARANTINE")).json().tasks;
    expect(tasks.map((t: { sku: string }) => t.sku).sort()).toEqual(["CORN", "PEAS"]);
  });
});

describe("excursion routes", () => {
  beforeEach(async () => {
    await ingest(coldStock());
    await ingest([
      raised("temp-1", "S1/COLD/01", 60),
      cleared("temp-1", "S1/COLD/01", 60, 120),
      raised("temp-1", "S1/COLD/01", 200),
      raised("temp-2", "S1/A/01", 100),
    ]);
  });

  const listed = async (query: string) =>
    ((await get(`/v1/excursions?${query}`)).json().items as { deviceId: string; startedAt: string }[]).map(
      (e) => `${e.deviceId}@${e.startedAt}`,
    );

  it("filters by zone, device, status and start time", async () => {
    expect(await listed("zone=COLD")).toEqual([`temp-1@${at(60)}`, `temp-1@${at(200)}`]);
    expect(await listed("deviceId=temp-2")).toEqual([`temp-2@${at(100)}`]);
    expect(await listed("status=closed")).toEqual([`temp-1@${at(60)}`]);
    expect(await listed("status=open")).toEqual([`temp-1@${at(200)}`, `temp-2@${at(100)}`]);
    expect(await listed(`from=${at(100)}&to=${at(200)}`)).toEqual([`temp-2@${at(100)}`]);
    expect(await listed("siteId=S2")).toEqual([]);
  });

  it("pages with limit and next", async () => {
    const first = (await get("/v1/excursions?limit=2")).json();
    expect(first.items).toHaveLength(2);
    expect(first.next).toBe(first.items[1].id);
    const second = (await get(`/v1/excursions?limit=2&after=${first.next}`)).json();
    expect(second.items).toHaveLength(1);
    expect(second.next).toBeUndefined();
    expectProblemCode(await get("/v1/excursions?limit=1001"), 400, ErrorCode.QueryInvalid);
  });

  it("answers 404 for an unknown excursion, on read and on hold", async () => {
    expectProblemCode(await get("/v1/excursions/nope"), 404, ErrorCode.NotFound);
    expectProblemCode(await hold("nope"), 404, ErrorCode.NotFound);
  });

  it("holds once: one QUARANTINE task per (sku, lot) at risk, none the second time", async () => {
    const id = (await get("/v1/excursions?status=closed")).json().items[0].id;
    const first = await hold(id);
    expect(first.statusCode).toBe(200);
    expect(first.json().created).toHaveLength(2);
    expect(first.json().existing).toEqual([]);
    const second = await hold(id);
    expect(second.json().created).toEqual([]);
    expect(second.json().existing.sort()).toEqual(first.json().created.sort());
    const tasks = (await get("/v1/tasks?kind=QUARANTINE")).json().tasks;
    expect(tasks).toHaveLength(2);
    expect(tasks).toContainEqual(
      expect.objectContaining({ taskType: "QUARANTINE", sku: "PEAS", location: "S1/COLD/01", status: "open" }),
    );
    const audit = (await get("/v1/audit", TEST_TOKENS.admin)).json();
    expect(JSON.stringify(audit)).toContain(`/v1/excursions/${id}/hold`);
  });

  it("refuses a hold to a viewer and an operator, and any access to a credential of another site", async () => {
    const id = (await get("/v1/excursions?status=closed")).json().items[0].id;
    expectProblemCode(await hold(id, TEST_TOKENS.viewer), 403, LedgerErrorCode.AuthForbidden);
    expectProblemCode(await hold(id, TEST_TOKENS.operator), 403, LedgerErrorCode.AuthForbidden);
    expectProblemCode(await hold(id, TEST_TOKENS.adminS2), 403, LedgerErrorCode.AuthForbidden);
    expectProblemCode(await get(`/v1/excursions/${id}`, TEST_TOKENS.adminS2), 403, LedgerErrorCode.AuthForbidden);
    expectProblemCode(await get("/v1/excursions?siteId=S1", TEST_TOKENS.adminS2), 403, LedgerErrorCode.AuthForbidden);
    // A one-site credential sees its own site's excursions only.
    expect((await get("/v1/excursions", TEST_TOKENS.adminS2)).json().items).toEqual([]);
    expect((await get("/v1/tasks?kind=QUARANTINE")).json().tasks).toEqual([]);
  });
});

function expectProblemCode(res: { statusCode: number; json(): unknown }, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(res.json()).toMatchObject({ code });
}
