import { ErrorCode, LedgerErrorCode, type Movement, ReferenceData, type SiteLayout } from "@tally/protocols";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertHub } from "../../alerts/alert-hub.js";
import { buildApp } from "../../app.js";
import type { LedgerStore } from "../../ledger/ledger-store.js";
import type { ProblemCode } from "../../plugins/problem-details.js";
import {
  batch,
  bearer,
  everyLocationKnown,
  movement,
  silentLogger,
  TEST_TOKENS,
  tempStore,
  testCredentials,
} from "../../testing/fixtures.js";

let app: FastifyInstance;
let store: LedgerStore;
let dispose: () => Promise<void>;

const SITE: SiteLayout = {
  siteId: "S1",
  zones: [
    { id: "DOCK", kind: "dock", temperatureClass: "ambient" },
    { id: "A", kind: "storage", temperatureClass: "ambient" },
    { id: "COLD", kind: "storage", temperatureClass: "chilled" },
  ],
  locations: [
    { code: "S1/DOCK/D1", zone: "DOCK" },
    { code: "S1/A/01", zone: "A" },
    { code: "S1/A/02", zone: "A" },
    { code: "S1/COLD/01", zone: "COLD" },
  ],
  devices: [],
  items: [
    { sku: "SKU-1", gtins: ["00614141000012"], temperatureClass: "ambient", reorderPoint: 5, safetyStock: 2 },
    { sku: "SKU-2", gtins: [], temperatureClass: "chilled" },
  ],
};

async function start() {
  ({ store, dispose } = await tempStore());
  app = await buildApp({
    siteFacts: everyLocationKnown,
    store,
    logger: silentLogger(),
    alerts: new AlertHub(),
    credentials: testCredentials(store),
    mode: "development",
  });
}
const admin = bearer(TEST_TOKENS.admin);
afterEach(async () => {
  await app.close();
  await dispose();
});

function expectProblem(res: LightMyRequestResponse, status: number, code: ProblemCode) {
  expect(res.statusCode).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ type: `urn:tally:error:${code}`, status, code, detail: expect.any(String) });
}

const json = (method: "POST" | "PUT", url: string, payload: unknown, token: string | null = TEST_TOKENS.admin) =>
  app.inject({
    method,
    url,
    payload: JSON.stringify(payload),
    headers: {
      "content-type": "application/json",
      ...(token !== null && { authorization: `Bearer ${token}` }),
    },
  });

const ingest = (events: unknown[]) => json("POST", "/v1/ingest", batch(events), TEST_TOKENS.edge);

describe("ledger routes (open API)", () => {
  beforeEach(async () => {
    await start();
    expect((await json("PUT", "/v1/sites/S1/layout", SITE)).statusCode).toBe(200);
  });

  it("GET /v1/stock filters by zone and reports totals per SKU", async () => {
    await ingest([
      movement({ sku: "SKU-1", qty: 10, to: "S1/A/01" }),
      movement({ sku: "SKU-2", qty: 3, to: "S1/COLD/01" }),
      movement({ sku: "SKU-1", qty: 1, to: "S1/COLD/01" }),
    ]);
    const cold = (await app.inject({ url: "/v1/stock?zone=COLD" })).json();
    expect(cold).toMatchObject({
      totalQty: 4,
      totals: [
        { sku: "SKU-1", qty: 1 },
        { sku: "SKU-2", qty: 3 },
      ],
    });
    expectProblem(await app.inject({ url: `/v1/stock?sku=${"x".repeat(65)}` }), 400, ErrorCode.QueryInvalid);
  });

  it("GET /v1/stock/{sku}/history gives legs by occurredAt with running balances", async () => {
    await ingest([
      movement({ sku: "SKU-1", qty: 10, to: "S1/A/01", occurredAt: "2026-11-22T08:00:00.000Z" }),
      movement({ sku: "SKU-1", qty: 4, from: "S1/A/01", to: undefined, occurredAt: "2026-11-22T07:00:00.000Z" }),
    ]);
    const res = await app.inject({ url: "/v1/stock/SKU-1/history?location=S1/A" });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { entries: { delta: number; balance: number }[]; balance: number };
    expect(body.entries.map((e) => [e.delta, e.balance])).toEqual([
      [-4, -4],
      [10, 6],
    ]);
    expect(body.balance).toBe(6);
    expectProblem(await app.inject({ url: "/v1/stock/SKU-1/history?limit=0" }), 400, ErrorCode.QueryInvalid);
  });

  it("GET /v1/movements pages with nextCursor and filters by type and EPC", async () => {
    const ms = Array.from({ length: 5 }, (_, i) => movement({ sku: "SKU-1", qty: i + 1, to: "S1/A/01" }));
    await ingest(ms);
    const first = (await app.inject({ url: "/v1/movements?limit=2" })).json() as {
      movements: Movement[];
      nextCursor?: string;
    };
    expect(first.movements.map((m) => m.qty)).toEqual([1, 2]);
    expect(first.nextCursor).toBe(ms[1]?.id);
    const rest = (await app.inject({ url: `/v1/movements?limit=10&after=${first.nextCursor}` })).json() as {
      movements: Movement[];
      nextCursor?: string;
    };
    expect(rest.movements.map((m) => m.qty)).toEqual([3, 4, 5]);
    expect(rest.nextCursor).toBeUndefined();
    expect((await app.inject({ url: "/v1/movements?type=PICK" })).json()).toEqual({ movements: [] });
    expectProblem(await app.inject({ url: "/v1/movements?type=STEAL" }), 400, ErrorCode.QueryInvalid);
  });

  it("GET /v1/movements/{id}, POST …/reverse (201, then 200 with the same reversal), 404 for unknown ids", async () => {
    const m = movement({ sku: "SKU-1", qty: 2, to: "S1/A/01" });
    await ingest([m]);
    const before = Date.now();
    const read = (await app.inject({ url: `/v1/movements/${m.id}` })).json() as { movement: { committedAt: string } };
    // With the time the cloud committed it: latency is measurable from outside.
    expect(read).toEqual({ movement: { ...m, committedAt: expect.any(String) } });
    expect(Date.parse(read.movement.committedAt)).toBeLessThanOrEqual(before);
    expect(Date.parse(read.movement.committedAt)).toBeGreaterThan(before - 60_000);
    const first = await app.inject({ method: "POST", headers: admin, url: `/v1/movements/${m.id}/reverse` });
    expect(first.statusCode).toBe(201);
    const again = await app.inject({ method: "POST", headers: admin, url: `/v1/movements/${m.id}/reverse` });
    expect(again.statusCode).toBe(200);
    expect(again.json().reversal).toEqual(first.json().reversal);
    expect((await app.inject({ url: "/v1/stock?sku=SKU-1" })).json().positions).toEqual([]);
    expectProblem(await app.inject({ url: "/v1/movements/nope" }), 404, ErrorCode.NotFound);
    expectProblem(
      await app.inject({ method: "POST", headers: admin, url: "/v1/movements/nope/reverse" }),
      404,
      ErrorCode.NotFound,
    );
  });

  it("GET /v1/conflicts lists refused reuses of an id", async () => {
    const m = movement({ sku: "SKU-1", qty: 2, to: "S1/A/01" });
    await ingest([m]);
    await ingest([{ ...m, qty: 3 }]);
    const { conflicts } = (await app.inject({ url: "/v1/conflicts" })).json() as { conflicts: { eventId: string }[] };
    expect(conflicts.map((c) => c.eventId)).toEqual([m.id]);
    expectProblem(await app.inject({ url: "/v1/conflicts?limit=-1" }), 400, ErrorCode.QueryInvalid);
  });

  it("GET /v1/serials/{epc} says where a unit is and its path", async () => {
    const epc = "urn:epc:id:sgtin:0614141.000001.7";
    const receipt = movement({ sku: "SKU-1", qty: 1, to: "S1/DOCK/D1", epc, occurredAt: "2026-11-22T08:00:00.000Z" });
    const putaway = movement({
      sku: "SKU-1",
      qty: 1,
      from: "S1/DOCK/D1",
      to: "S1/A/01",
      epc,
      movementType: "PUTAWAY",
      occurredAt: "2026-11-22T08:10:00.000Z",
    });
    await ingest([putaway, receipt]);
    const res = await app.inject({ url: `/v1/serials/${encodeURIComponent(epc)}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      serial: { epc, sku: "SKU-1", location: "S1/A/01", status: "in_stock" },
      path: [{ id: receipt.id }, { id: putaway.id }],
    });
    expectProblem(await app.inject({ url: "/v1/serials/urn%3Aepc%3Aid%3Asgtin%3A1.2.3" }), 404, ErrorCode.NotFound);
  });

  it("items: list, get, put (body must match the path), 404 and 400", async () => {
    expect(((await app.inject({ url: "/v1/items" })).json() as { items: unknown[] }).items).toHaveLength(2);
    const put = await json("PUT", "/v1/items/SKU-3", {
      sku: "SKU-3",
      gtins: [],
      reorderPoint: 4,
      negativeStock: "refuse",
      annualDemand: 100,
      orderCost: 10,
      holdingCost: 2,
    });
    expect(put.statusCode).toBe(200);
    expect((await app.inject({ url: "/v1/items/SKU-3" })).json()).toMatchObject({
      item: { sku: "SKU-3", negativeStock: "refuse", temperatureClass: "ambient" },
    });
    expectProblem(await app.inject({ url: "/v1/items/NOPE" }), 404, ErrorCode.NotFound);
    expectProblem(await json("PUT", "/v1/items/SKU-3", { sku: "OTHER", gtins: [] }), 400, ErrorCode.MessageSchema);
    expectProblem(await json("PUT", "/v1/items/SKU-3", { sku: "SKU-3", gtins: ["123"] }), 400, ErrorCode.MessageSchema);
  });

  it("locations: list by site and zone; a layout for another site or an invalid one is refused", async () => {
    const { locations } = (await app.inject({ url: "/v1/locations?siteId=S1&zone=A" })).json() as {
      locations: { code: string; zoneKind: string }[];
    };
    expect(locations.map((l) => [l.code, l.zoneKind])).toEqual([
      ["S1/A/01", "storage"],
      ["S1/A/02", "storage"],
    ]);
    expectProblem(await json("PUT", "/v1/sites/S2/layout", SITE), 400, ErrorCode.SiteMismatch);
    expectProblem(await json("PUT", "/v1/sites/S1/layout", { ...SITE, zones: [] }), 400, ErrorCode.MessageSchema);
  });

  it("expected receipts and shipments: create (201, same again 200, other content 409), list, close (204, then 409)", async () => {
    const asn = { id: "ASN-1", siteId: "S1", dock: "S1/DOCK/D1", lines: [{ sku: "SKU-1", qty: 5 }] };
    expect((await json("POST", "/v1/expected-receipts", asn)).statusCode).toBe(201);
    expect((await json("POST", "/v1/expected-receipts", asn)).statusCode).toBe(200);
    expectProblem(
      await json("POST", "/v1/expected-receipts", { ...asn, lines: [{ sku: "SKU-1", qty: 6 }] }),
      409,
      LedgerErrorCode.AlreadyExists,
    );
    expectProblem(await json("POST", "/v1/expected-receipts", { ...asn, lines: [] }), 400, ErrorCode.MessageSchema);
    const list = (await app.inject({ url: "/v1/expected-receipts?siteId=S1&status=open" })).json();
    expect(list).toEqual({ receipts: [{ ...asn, status: "open" }] });
    expect(
      (await app.inject({ method: "POST", headers: admin, url: "/v1/expected-receipts/ASN-1/close" })).statusCode,
    ).toBe(204);
    expectProblem(
      await app.inject({ method: "POST", headers: admin, url: "/v1/expected-receipts/ASN-1/close" }),
      409,
      LedgerErrorCode.ExpectedState,
    );
    expectProblem(
      await app.inject({ method: "POST", headers: admin, url: "/v1/expected-receipts/NOPE/close" }),
      404,
      ErrorCode.NotFound,
    );
    expectProblem(await app.inject({ url: "/v1/expected-receipts?status=maybe" }), 400, ErrorCode.QueryInvalid);

    const order = { id: "SO-1", siteId: "S1", dock: "S1/DOCK/D1", lines: [{ sku: "SKU-2", qty: 1 }] };
    expect((await json("POST", "/v1/expected-shipments", order)).statusCode).toBe(201);
    expectProblem(
      await json("POST", "/v1/expected-shipments", { ...order, dock: undefined }),
      400,
      ErrorCode.MessageSchema,
    );
    expect((await app.inject({ url: "/v1/expected-shipments" })).json()).toEqual({
      shipments: [{ ...order, status: "open" }],
    });
    expect(
      (await app.inject({ method: "POST", headers: admin, url: "/v1/expected-shipments/SO-1/close" })).statusCode,
    ).toBe(204);
    expect((await app.inject({ url: "/v1/expected-shipments?status=open" })).json()).toEqual({ shipments: [] });
  });

  it("GET /v1/sites/{siteId}/reference-data: items and open expectations, with an ETag and 304", async () => {
    await json("POST", "/v1/expected-receipts", { id: "ASN-1", siteId: "S1", lines: [{ sku: "SKU-1", qty: 5 }] });
    await json("POST", "/v1/expected-receipts", { id: "ASN-9", siteId: "S9", lines: [{ sku: "SKU-1", qty: 5 }] });
    const res = await app.inject({ url: "/v1/sites/S1/reference-data" });
    expect(res.statusCode).toBe(200);
    const data = ReferenceData.parse(res.json());
    expect(data.items.map((i) => i.sku)).toEqual(["SKU-1", "SKU-2"]);
    expect(data.expectedReceipts.map((r) => r.id)).toEqual(["ASN-1"]);
    const etag = String(res.headers.etag);
    const same = await app.inject({ url: "/v1/sites/S1/reference-data", headers: { "if-none-match": etag } });
    expect(same.statusCode).toBe(304);
    await app.inject({ method: "POST", headers: admin, url: "/v1/expected-receipts/ASN-1/close" });
    const changed = await app.inject({ url: "/v1/sites/S1/reference-data", headers: { "if-none-match": etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().expectedReceipts).toEqual([]);
    expectProblem(await app.inject({ url: `/v1/sites/${"s".repeat(65)}/reference-data` }), 400, ErrorCode.QueryInvalid);
  });

  it("GET /v1/sites/{siteId}/reference-data: bin stock per location and SKU, lots together, only this site's", async () => {
    await ingest([
      movement({ sku: "SKU-1", qty: 10, to: "S1/A/01", lot: "L1" }),
      movement({ sku: "SKU-1", qty: 2, to: "S1/A/01", lot: "L2" }),
      movement({ sku: "SKU-2", qty: 3, to: "S1/A/02" }),
      movement({ sku: "SKU-2", qty: 3, from: "S1/A/02", to: undefined }),
    ]);
    const before = await app.inject({ url: "/v1/sites/S1/reference-data" });
    const data = ReferenceData.parse(before.json());
    // SKU-2 at S1/A/02 came and went: 0 units are left out.
    expect(data.binStock).toEqual([{ location: "S1/A/01", sku: "SKU-1", units: 12 }]);
    expect(ReferenceData.parse((await app.inject({ url: "/v1/sites/S9/reference-data" })).json()).binStock).toEqual([]);
    // A movement changes the copy: the ETag no longer matches.
    await ingest([movement({ sku: "SKU-1", qty: 1, from: "S1/A/01", to: undefined, lot: "L1" })]);
    const after = await app.inject({
      url: "/v1/sites/S1/reference-data",
      headers: { "if-none-match": String(before.headers.etag) },
    });
    expect(after.statusCode).toBe(200);
    expect(after.json().binStock).toEqual([{ location: "S1/A/01", sku: "SKU-1", units: 11 }]);
  });

  it("GET /v1/kpis: record accuracy from counts, stockouts, dock-to-stock, below reorder point", async () => {
    const epc = "urn:epc:id:sgtin:0614141.000001.8";
    await ingest([
      movement({ sku: "SKU-1", qty: 1, to: "S1/DOCK/D1", epc, occurredAt: "2026-11-22T08:00:00.000Z" }),
      movement({
        sku: "SKU-1",
        qty: 1,
        from: "S1/DOCK/D1",
        to: "S1/A/01",
        epc,
        movementType: "PUTAWAY",
        occurredAt: "2026-11-22T08:02:00.000Z",
      }),
      {
        kind: "telemetry",
        id: "0190a4b2-1c3d-7e5f-9a6b-7c8d9e0f1a2b",
        siteId: "S1",
        occurredAt: "2026-11-22T09:00:00.000Z",
        deviceId: "scanner-1",
        metric: "count:SKU-1",
        value: 1,
        unit: "",
        location: "S1/A/01",
      },
    ]);
    const kpis = (await app.inject({ url: "/v1/kpis" })).json();
    expect(kpis).toMatchObject({
      inventoryRecordAccuracy: { counts: 1, accurate: 1, ratio: 1 },
      stockouts: { count: 1, skus: ["SKU-2"] },
      dockToStock: { units: 1, meanS: 120, p50S: 120 },
      belowReorderPoint: { count: 1, positions: [{ sku: "SKU-1", location: "S1/A/01", qty: 1, reorderPoint: 5 }] },
    });
    expectProblem(await app.inject({ url: "/v1/kpis?window=0" }), 400, ErrorCode.QueryInvalid);
  });

  it("tasks: list by status, get, assign, complete with adjustments, dismiss; bad transitions are 409", async () => {
    const task = {
      kind: "task",
      id: "0190a4b2-1c3d-7e5f-9a6b-7c8d9e0f1a2c",
      siteId: "S1",
      occurredAt: "2026-11-22T08:00:00.000Z",
      taskType: "COUNT_MISMATCH",
      location: "S1/A/01",
      priority: "normal",
      detail: "shelf says 3, ledger says 5",
      evidence: { deviceId: "shelf-1", observationIds: [] },
    };
    await ingest([task]);
    expect((await app.inject({ url: "/v1/tasks?status=open" })).json().tasks).toHaveLength(1);
    expect((await app.inject({ url: `/v1/tasks/${task.id}` })).json().task).toMatchObject({ status: "open" });
    const assigned = await json("POST", `/v1/tasks/${task.id}/assign`, { assignee: "ana" });
    expect(assigned.json()).toMatchObject({ task: { status: "assigned", assignee: "ana" }, adjustments: [] });
    expectProblem(await json("POST", `/v1/tasks/${task.id}/assign`, {}), 400, ErrorCode.MessageSchema);
    const done = await json("POST", `/v1/tasks/${task.id}/complete`, {
      outcome: "adjusted",
      adjustments: [{ sku: "SKU-1", location: "S1/A/01", qty: -2 }],
    });
    expect(done.statusCode).toBe(200);
    expect(done.json().adjustments).toEqual([
      expect.objectContaining({ movementType: "ADJUSTMENT", qty: 2, from: "S1/A/01" }),
    ]);
    expectProblem(
      await json("POST", `/v1/tasks/${task.id}/dismiss`, { reason: "counted again" }),
      409,
      LedgerErrorCode.TaskState,
    );
    expectProblem(
      await json("POST", `/v1/tasks/${task.id}/complete`, { outcome: "adjusted", adjustments: [] }),
      400,
      ErrorCode.MessageSchema,
    );
    expectProblem(await json("POST", "/v1/tasks/nope/dismiss", { reason: "gone" }), 404, ErrorCode.NotFound);
    expectProblem(await app.inject({ url: "/v1/tasks/nope" }), 404, ErrorCode.NotFound);
    expectProblem(await app.inject({ url: "/v1/tasks?status=closed" }), 400, ErrorCode.QueryInvalid);
  });

  it("GET /docs serves a page that reads /docs/json", async () => {
    const res = await app.inject({ url: "/docs" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).toContain("/docs/json");
  });
});

describe("credentials and roles", () => {
  beforeEach(async () => {
    await start();
  });

  it("development reads are open on the loopback; writes need a token with the role: 401 without, 403 with the wrong role", async () => {
    expect((await app.inject({ url: "/v1/items" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/v1/items", remoteAddress: "10.1.2.3" })).statusCode).toBe(401);
    const item = { sku: "SKU-9", gtins: [] };
    const anonymous = await json("PUT", "/v1/items/SKU-9", item, null);
    expectProblem(anonymous, 401, LedgerErrorCode.AuthRequired);
    expect(anonymous.headers["www-authenticate"]).toMatch(/^Bearer/);
    expectProblem(await json("PUT", "/v1/items/SKU-9", item, "wrong"), 401, LedgerErrorCode.AuthRequired);
    expectProblem(
      await json("PUT", "/v1/items/SKU-9", item, TEST_TOKENS.supervisor),
      403,
      LedgerErrorCode.AuthForbidden,
    );
    expect((await json("PUT", "/v1/items/SKU-9", item)).statusCode).toBe(200);
    const asn = { id: "ASN-1", siteId: "S1", lines: [{ sku: "SKU-9", qty: 1 }] };
    expectProblem(
      await json("POST", "/v1/expected-receipts", asn, TEST_TOKENS.edge),
      403,
      LedgerErrorCode.AuthForbidden,
    );
    expectProblem(
      await json("POST", "/v1/expected-receipts", { ...asn, siteId: "S1" }, TEST_TOKENS.adminS2),
      403,
      LedgerErrorCode.AuthForbidden,
    );
    expect((await json("POST", "/v1/expected-receipts", asn, TEST_TOKENS.supervisor)).statusCode).toBe(201);
  });
});

describe("OpenAPI document", () => {
  beforeEach(async () => {
    await start();
  });

  it("lists every route with its operations, parameters and response schemas, and every schema compiles", async () => {
    const routes: { method: string; url: string }[] = [];
    const res = await app.inject({ url: "/docs/json" });
    const doc = res.json() as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { responses?: Record<string, { content?: unknown }> }>>;
    };
    // OpenAPI 3.1: its schemas are JSON Schema 2020-12, which Ajv2020 checks.
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    // Every route the app serves (but the hidden docs routes) is in the document, with the same methods.
    const served = [
      "/healthz",
      "/v1/ingest",
      "/v1/stock",
      "/v1/stock/{sku}/history",
      "/v1/movements",
      "/v1/movements/{id}",
      "/v1/movements/{id}/reverse",
      "/v1/conflicts",
      "/v1/serials/{epc}",
      "/v1/items",
      "/v1/items/{sku}",
      "/v1/locations",
      "/v1/sites/{siteId}/layout",
      "/v1/expected-receipts",
      "/v1/expected-receipts/{id}/close",
      "/v1/expected-shipments",
      "/v1/expected-shipments/{id}/close",
      "/v1/sites/{siteId}/reference-data",
      "/v1/sites/{siteId}/devices",
      "/v1/sites/{siteId}/devices/{deviceId}/readings",
      "/v1/kpis",
      "/v1/alerts",
      "/v1/alerts/{id}",
      "/v1/alerts/{id}/acknowledge",
      "/v1/alerts/{id}/resolve",
      "/v1/alerts/stream",
      "/v1/silences",
      "/v1/silences/{id}",
      "/v1/sites/{siteId}/maintenance",
      "/v1/whoami",
      "/v1/webhooks",
      "/v1/webhooks/{id}",
      "/v1/deliveries",
      "/v1/tasks",
      "/v1/tasks/{id}",
      "/v1/tasks/{id}/assign",
      "/v1/tasks/{id}/start",
      "/v1/tasks/{id}/complete",
      "/v1/tasks/{id}/dismiss",
      "/v1/epcis/events",
      "/v1/epcis/capture",
      "/v1/edges",
      "/v1/edges/{edgeId}/release",
      "/v1/tokens",
      "/v1/tokens/{id}",
      "/v1/audit",
      "/v1/telemetry",
      "/v1/excursions",
      "/v1/excursions/{id}",
      "/v1/excursions/{id}/hold",
      "/v1/mkt",
      "/v1/lots/{lot}/mkt",
    ];
    expect(Object.keys(doc.paths).sort()).toEqual([...served].sort());
    const { Ajv2020 } = await import("ajv/dist/2020.js");
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        routes.push({ method, url: path });
        expect(["get", "post", "put", "delete", "patch"], `${method} ${path}`).toContain(method);
        const responses = Object.entries(op.responses ?? {});
        expect(responses.length, `${method} ${path} has responses`).toBeGreaterThan(0);
        // Path templates and declared path parameters agree.
        const declared = ((op as { parameters?: { in: string; name: string }[] }).parameters ?? [])
          .filter((p) => p.in === "path")
          .map((p) => p.name)
          .sort();
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(declared, `${method} ${path} path parameters`).toEqual(templated);
        for (const [status, response] of responses) {
          for (const media of Object.values((response.content ?? {}) as Record<string, { schema?: object }>)) {
            if (media.schema === undefined) continue;
            expect(() => ajv.compile(media.schema as object), `${method} ${path} ${status}`).not.toThrow();
          }
        }
        const body = (op as { requestBody?: { content?: Record<string, { schema?: object }> } }).requestBody;
        for (const media of Object.values(body?.content ?? {})) {
          if (media.schema !== undefined) expect(() => ajv.compile(media.schema as object)).not.toThrow();
        }
      }
    }
    expect(routes.length).toBeGreaterThanOrEqual(served.length);
  });
});
