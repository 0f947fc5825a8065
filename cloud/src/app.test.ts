import { CommitAck, ErrorCode, MAX_BATCH_BYTES } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertHub } from "./alerts/alert-hub.js";
import { buildApp } from "./app.js";
import type { LedgerStore } from "./ledger/ledger-store.js";
import {
  batch,
  bearer,
  condition,
  everyLocationKnown,
  movement,
  silentLogger,
  TEST_TOKENS,
  tempStore,
  testCredentials,
} from "./testing/fixtures.js";

let app: FastifyInstance;
let store: LedgerStore;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  app = await buildApp({
    siteFacts: everyLocationKnown,
    store,
    logger: silentLogger(),
    alerts: new AlertHub(),
    credentials: testCredentials(store),
    mode: "development",
  });
});
afterEach(async () => {
  await app.close();
  await dispose();
});

const ingest = (payload: unknown) =>
  app.inject({
    method: "POST",
    url: "/v1/ingest",
    payload: JSON.stringify(payload),
    headers: { "content-type": "application/json", ...bearer(TEST_TOKENS.edge) },
  });

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: ErrorCode,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({
    type: `urn:tally:error:${code}`,
    status,
    code,
    title: expect.any(String),
    detail: expect.any(String),
  });
}

describe("GET /healthz and /docs/json", () => {
  it("reports ok and the store kind", async () => {
    const res = await app.inject({ url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok", store: "sqlite" });
  });

  it("serves the OpenAPI document with every route", async () => {
    const res = await app.inject({ url: "/docs/json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/healthz",
        "/v1/ingest",
        "/v1/stock",
        "/v1/movements",
        "/v1/alerts",
        "/v1/alerts/stream",
        "/v1/tasks",
      ]),
    );
  });

  it("describes the ingest envelope's readings as columns, not as an untyped value", async () => {
    const doc = (await app.inject({ url: "/docs/json" })).json() as {
      paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: JsonObject }> } } }>;
    };
    const envelope = doc.paths["/v1/ingest"]?.post?.requestBody?.content["application/json"]?.schema;
    const readings = (envelope?.properties as Record<string, JsonObject> | undefined)?.readings;
    expect(readings).toMatchObject({
      type: "object",
      required: ["series", "s", "id", "at", "value"],
      additionalProperties: false,
      properties: {
        series: { type: "array", minItems: 1, items: { type: "array", minItems: 5, maxItems: 5 } },
        s: { type: "array", items: { type: "integer", minimum: 0 } },
        id: { type: "array", items: { type: "string", format: "uuid" } },
        at: { type: "array", items: { type: "string", format: "date-time" } },
        value: { type: "array", items: { type: "number" } },
        w: { type: "array", items: { type: "integer", minimum: 0 } },
      },
    });
    expect(Object.keys((readings?.properties ?? {}) as JsonObject).sort()).toEqual([
      "at",
      "id",
      "s",
      "series",
      "value",
      "w",
    ]);
    expect(envelope?.required).not.toContain("readings");
  });
});

type JsonObject = Record<string, unknown>;

describe("POST /v1/ingest", () => {
  it("commits a batch and answers with the CommitAck", async () => {
    const m = movement();
    const b = batch([m, { kind: "movement", id: "nope" }]);
    const res = await ingest(b);
    expect(res.statusCode).toBe(200);
    const ack = CommitAck.parse(res.json());
    expect(ack).toMatchObject({ batchId: b.batchId, status: "committed", committed: [m.id], duplicates: [] });
    expect(ack.rejected).toEqual([{ index: 1, id: "nope", code: ErrorCode.EventSchema, reason: expect.any(String) }]);
    const again = CommitAck.parse((await ingest(b)).json());
    expect(again.duplicates).toEqual([m.id]);
  });

  it("takes readings as columns, acknowledged by count, and refuses columns of a broken shape as an envelope", async () => {
    const readings = {
      series: [["S1", "temp-1", "temperature", "Cel", null]],
      s: [0, 0],
      id: ["0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"],
      at: [new Date().toISOString(), new Date().toISOString()],
      value: [4.1, 4.2],
    };
    const res = await ingest({ ...batch([]), readings });
    expect(res.statusCode).toBe(200);
    expect(CommitAck.parse(res.json())).toMatchObject({ committed: [], rejected: [], readings: { committed: 2 } });
    const broken = await ingest({ ...batch([]), readings: { ...readings, value: [4.1] } });
    expectProblem(broken, 400, ErrorCode.EnvelopeSchema);
  });

  it("refuses an envelope or an event holding an object where text or a list belongs, never failing the request", async () => {
    // zod runs a list's length checks on any value with a `length`: comparing this one with a number throws.
    const hostile = { length: { toString: null } };
    expectProblem(await ingest({ ...batch([movement()]), events: hostile }), 400, ErrorCode.EnvelopeSchema);
    const res = await ingest(batch([{ ...movement(), sku: hostile }, movement()]));
    expect(res.statusCode).toBe(200);
    const ack = CommitAck.parse(res.json());
    expect(ack.rejected).toEqual([
      {
        index: 0,
        id: expect.any(String),
        code: ErrorCode.EventSchema,
        reason: expect.stringMatching(/an object stands/),
      },
    ]);
    expect(ack.committed).toHaveLength(1);
  });

  it("refuses malformed JSON", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/ingest",
      payload: '{"v":1,',
      headers: { "content-type": "application/json", ...bearer(TEST_TOKENS.edge) },
    });
    expectProblem(res, 400, ErrorCode.MessageNotJson);
  });

  it("refuses an envelope that is not an EdgeBatch", async () => {
    expectProblem(await ingest({ ...batch([movement()]), v: 2 }), 400, ErrorCode.EnvelopeSchema);
    expectProblem(await ingest(batch([])), 400, ErrorCode.EnvelopeSchema);
    expectProblem(await ingest([1, 2]), 400, ErrorCode.EnvelopeSchema);
    expectProblem(await ingest({ ...batch([movement()]), extra: true }), 400, ErrorCode.EnvelopeSchema);
  });

  it("refuses a body over MAX_BATCH_BYTES", async () => {
    const payload = JSON.stringify({ ...batch([movement()]), pad: "x".repeat(MAX_BATCH_BYTES) });
    const res = await app.inject({
      method: "POST",
      url: "/v1/ingest",
      payload,
      headers: { "content-type": "application/json", ...bearer(TEST_TOKENS.edge) },
    });
    expectProblem(res, 413, ErrorCode.MessageTooLarge);
  });

  it("refuses a media type it does not parse, and a text body as a bad envelope", async () => {
    const xml = await app.inject({
      method: "POST",
      url: "/v1/ingest",
      payload: "<batch/>",
      headers: { "content-type": "application/xml", ...bearer(TEST_TOKENS.edge) },
    });
    expectProblem(xml, 415, ErrorCode.MessageNotJson);
    const text = await app.inject({
      method: "POST",
      url: "/v1/ingest",
      payload: "v=1",
      headers: { "content-type": "text/plain", ...bearer(TEST_TOKENS.edge) },
    });
    expectProblem(text, 400, ErrorCode.EnvelopeSchema);
  });

  it("answers 503 TALLY_ERR_COMMIT_FAILED when the ledger cannot commit", async () => {
    await store.close();
    expectProblem(await ingest(batch([movement()])), 503, ErrorCode.CommitFailed);
  });
});

describe("queries", () => {
  beforeEach(async () => {
    await ingest(
      batch([
        movement({ sku: "A", qty: 5, to: "S1/A/01" }),
        movement({ sku: "A", qty: 2, from: "S1/A/01", to: "S1/B/01", movementType: "TRANSFER" }),
        movement({ sku: "B", qty: 1, to: "S1/B/02", lot: "L1" }),
        condition(),
        {
          kind: "task",
          id: "0190c7e2-1c1a-7000-8000-000000000001",
          siteId: "S1",
          occurredAt: "2026-11-22T08:00:00.000Z",
          taskType: "UNKNOWN_TAG",
          location: "S1/B/02",
          priority: "high",
          detail: "tag not in the site's items",
          evidence: { deviceId: "portal-1", observationIds: [] },
        },
      ]),
    );
  });

  it("GET /v1/stock lists positions with a total, filtered by sku, location prefix and lot", async () => {
    const all = (await app.inject({ url: "/v1/stock" })).json();
    expect(all).toEqual({
      positions: [
        { sku: "A", location: "S1/A/01", lot: "", qty: 3 },
        { sku: "A", location: "S1/B/01", lot: "", qty: 2 },
        { sku: "B", location: "S1/B/02", lot: "L1", qty: 1 },
      ],
      totalQty: 6,
      totalPositions: 3,
      totals: [
        { sku: "A", qty: 5 },
        { sku: "B", qty: 1 },
      ],
    });
    expect((await app.inject({ url: "/v1/stock?sku=A&location=S1/B" })).json()).toEqual({
      positions: [{ sku: "A", location: "S1/B/01", lot: "", qty: 2 }],
      totalQty: 2,
      totalPositions: 1,
      totals: [{ sku: "A", qty: 2 }],
    });
    expect((await app.inject({ url: "/v1/stock?lot=L1" })).json()).toMatchObject({ totalQty: 1 });
  });

  it("GET /v1/movements lists movements in commit order, filtered and limited", async () => {
    const res = await app.inject({ url: "/v1/movements?sku=A&location=S1/A/01&limit=1" });
    expect(res.statusCode).toBe(200);
    const { movements } = res.json() as { movements: { qty: number }[] };
    expect(movements.map((m) => m.qty)).toEqual([5]);
    expectProblem(await app.inject({ url: "/v1/movements?limit=0" }), 400, ErrorCode.QueryInvalid);
    expectProblem(await app.inject({ url: "/v1/movements?limit=many" }), 400, ErrorCode.QueryInvalid);
  });

  it("GET /v1/alerts lists alerts, filtered by status", async () => {
    const open = (await app.inject({ url: "/v1/alerts?status=open" })).json() as { alerts: unknown[] };
    expect(open.alerts).toEqual([expect.objectContaining({ kind: "TEMPERATURE_EXCURSION", status: "open" })]);
    expect((await app.inject({ url: "/v1/alerts?status=resolved" })).json()).toEqual({ alerts: [] });
    expectProblem(await app.inject({ url: "/v1/alerts?status=maybe" }), 400, ErrorCode.QueryInvalid);
  });

  it("GET /v1/tasks lists correction tasks", async () => {
    const { tasks } = (await app.inject({ url: "/v1/tasks" })).json() as { tasks: unknown[] };
    expect(tasks).toEqual([expect.objectContaining({ taskType: "UNKNOWN_TAG", status: "open", priority: "high" })]);
  });
});

describe("errors", () => {
  it("answers unknown routes and methods with a 404 problem", async () => {
    expectProblem(await app.inject({ url: "/v2/nothing" }), 404, ErrorCode.NotFound);
    expectProblem(await app.inject({ method: "DELETE", url: "/v1/stock" }), 404, ErrorCode.NotFound);
  });
});
