import { randomUUID } from "node:crypto";
import { ErrorCode, LedgerErrorCode } from "@tally/protocols";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AlertHub } from "../../alerts/alert-hub.js";
import { buildApp } from "../../app.js";
import type { LedgerStore } from "../../ledger/ledger-store.js";
import type { ProblemCode } from "../../plugins/problem-details.js";
import { DEFAULT_TASK_DUE, type TaskDuePolicy } from "../../tasks/task-due.js";
import {
  batch,
  everyLocationKnown,
  silentLogger,
  TEST_TOKENS,
  tempStore,
  testCredentials,
  testSite,
} from "../../testing/fixtures.js";

let app: FastifyInstance;
let store: LedgerStore;
let dispose: () => Promise<void>;

async function start(taskDue?: TaskDuePolicy) {
  ({ store, dispose } = await tempStore());
  app = await buildApp({
    siteFacts: everyLocationKnown,
    store,
    logger: silentLogger(),
    alerts: new AlertHub(),
    credentials: testCredentials(store),
    mode: "development",
    ...(taskDue !== undefined && { taskDue }),
  });
  await store.importSite(testSite());
}

afterEach(async () => {
  vi.useRealTimers();
  await app.close();
  await dispose();
});

function expectProblem(res: LightMyRequestResponse, status: number, code: ProblemCode) {
  expect(res.statusCode).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ type: `urn:tally:error:${code}`, status, code, detail: expect.any(String) });
}

const post = (url: string, payload?: unknown, token: string = TEST_TOKENS.operator) =>
  app.inject({
    method: "POST",
    url,
    ...(payload !== undefined && { payload: JSON.stringify(payload) }),
    headers: { ...(payload !== undefined && { "content-type": "application/json" }), authorization: `Bearer ${token}` },
  });
const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${TEST_TOKENS.viewer}` } });

function task(taskType: string, overrides: Record<string, unknown> = {}) {
  return {
    kind: "task",
    id: randomUUID(),
    siteId: "S1",
    occurredAt: "2026-11-22T08:00:00.000Z",
    taskType,
    location: "S1/A/01",
    priority: "normal",
    detail: "shelf says 3, ledger says 5",
    evidence: { deviceId: "shelf-1", observationIds: [] },
    ...overrides,
  };
}

async function ingest(events: unknown[]) {
  const res = await post("/v1/ingest", batch(events), TEST_TOKENS.edge);
  expect(res.statusCode).toBe(200);
}

const ids = async (query: string) =>
  ((await get(`/v1/tasks?${query}`)).json().tasks as { id: string }[]).map((t) => t.id);

describe("task workflow routes", () => {
  beforeEach(async () => {
    await start();
  });

  it("start: open → started with the caller as assignee; again 409; unknown 404; a viewer 403", async () => {
    const t = task("COUNT_MISMATCH");
    await ingest([t]);
    const started = await post(`/v1/tasks/${t.id}/start`);
    expect(started.statusCode).toBe(200);
    expect(started.json()).toMatchObject({
      task: { status: "started", assignee: expect.stringMatching(/^env-operator-/) },
      adjustments: [],
    });
    // An empty JSON body is as good as none.
    expectProblem(await post(`/v1/tasks/${t.id}/start`, {}), 409, LedgerErrorCode.TaskState);
    expectProblem(await post(`/v1/tasks/${t.id}/start`, { by: "me" }), 400, ErrorCode.MessageSchema);
    expectProblem(await post("/v1/tasks/nope/start"), 404, ErrorCode.NotFound);
    expectProblem(
      await post(`/v1/tasks/${t.id}/start`, undefined, TEST_TOKENS.viewer),
      403,
      LedgerErrorCode.AuthForbidden,
    );
    expect((await get(`/v1/tasks/${t.id}`)).json().task).toMatchObject({ status: "started" });
  });

  it("complete works from started, and an assigned task started keeps its named assignee", async () => {
    const t = task("COUNT_MISMATCH");
    await ingest([t]);
    expect((await post(`/v1/tasks/${t.id}/assign`, { assignee: "Ana Ruiz" })).json().task).toMatchObject({
      status: "assigned",
      assignee: "Ana Ruiz",
    });
    expect((await post(`/v1/tasks/${t.id}/start`)).json().task).toMatchObject({
      status: "started",
      assignee: "Ana Ruiz",
    });
    const done = await post(`/v1/tasks/${t.id}/complete`, {
      outcome: "adjusted",
      adjustments: [{ sku: "SKU-1", location: "S1/A/01", qty: 4 }],
    });
    expect(done.statusCode).toBe(200);
    expect(done.json().task).toMatchObject({ status: "done", assignee: "Ana Ruiz" });
    expectProblem(await post(`/v1/tasks/${t.id}/assign`, { assignee: "Bo" }), 409, LedgerErrorCode.TaskState);
    expectProblem(await post(`/v1/tasks/${t.id}/assign`, { assignee: "   " }), 400, ErrorCode.MessageSchema);
  });

  it("dismiss needs a reason of 1 to 500 characters, shows it on the task, and is final", async () => {
    const t = task("UNKNOWN_TAG");
    await ingest([t]);
    const supervisor = TEST_TOKENS.supervisor;
    for (const body of [
      undefined,
      {},
      { reason: "" },
      { reason: "   " },
      { reason: "x".repeat(501) },
      { note: "old" },
    ]) {
      expectProblem(await post(`/v1/tasks/${t.id}/dismiss`, body, supervisor), 400, ErrorCode.MessageSchema);
    }
    expectProblem(
      await post(`/v1/tasks/${t.id}/dismiss`, { reason: "not ours" }, TEST_TOKENS.operator),
      403,
      LedgerErrorCode.AuthForbidden,
    );
    expectProblem(await post("/v1/tasks/nope/dismiss", { reason: "gone" }, supervisor), 404, ErrorCode.NotFound);
    const reason = `${"a visitor's badge; ".repeat(26).slice(0, 499)}.`;
    const dismissed = await post(`/v1/tasks/${t.id}/dismiss`, { reason }, supervisor);
    expect(dismissed.statusCode).toBe(200);
    expect(dismissed.json().task).toMatchObject({ status: "dismissed", dismissReason: reason });
    expect((await get(`/v1/tasks/${t.id}`)).json().task).toMatchObject({ status: "dismissed", dismissReason: reason });
    expectProblem(
      await post(`/v1/tasks/${t.id}/dismiss`, { reason: "again" }, supervisor),
      409,
      LedgerErrorCode.TaskState,
    );
    expectProblem(await post(`/v1/tasks/${t.id}/start`), 409, LedgerErrorCode.TaskState);
    expectProblem(await post(`/v1/tasks/${t.id}/complete`, { outcome: "no-change" }), 409, LedgerErrorCode.TaskState);
  });

  it("two completions at once: one 200, one 409, and the adjustment is in stock once", async () => {
    const t = task("COUNT_MISMATCH");
    await ingest([t]);
    const outcome = { outcome: "adjusted", adjustments: [{ sku: "SKU-1", location: "S1/A/01", qty: -3 }] };
    const answers = await Promise.all([
      post(`/v1/tasks/${t.id}/complete`, outcome),
      post(`/v1/tasks/${t.id}/complete`, outcome),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    const stock = (await get("/v1/stock?sku=SKU-1")).json();
    expect(stock).toMatchObject({ totalQty: -3, positions: [{ location: "S1/A/01", qty: -3 }] });
    expect((await get("/v1/movements?type=ADJUSTMENT")).json().movements).toHaveLength(1);
  });

  it("lists by kind, assignee and status, with each task's due time; bad filters are 400", async () => {
    const count = task("COUNT_MISMATCH");
    const zone = task("WRONG_ZONE");
    const tag = task("UNKNOWN_TAG");
    await ingest([count, zone, tag]);
    await post(`/v1/tasks/${count.id}/assign`, { assignee: "ana" });
    await post(`/v1/tasks/${zone.id}/assign`, { assignee: "ana" });
    await post(`/v1/tasks/${zone.id}/start`);
    expect(await ids("kind=COUNT_MISMATCH")).toEqual([count.id]);
    expect(await ids("assignee=ana")).toEqual([count.id, zone.id]);
    expect(await ids("assignee=ana&status=started")).toEqual([zone.id]);
    expect(await ids("status=open")).toEqual([tag.id]);
    expect(await ids("assignee=ana&limit=1")).toEqual([count.id]);
    expect((await get("/v1/tasks?assignee=ana&limit=1")).json().next).toBe(count.id);
    expect(await ids(`assignee=ana&after=${count.id}`)).toEqual([zone.id]);

    const listed = (await get("/v1/tasks")).json().tasks as { id: string; createdAt: string; dueAt: string }[];
    const hours = (t: { createdAt: string; dueAt: string }) =>
      (Date.parse(t.dueAt) - Date.parse(t.createdAt)) / 3_600_000;
    expect(listed.map(hours)).toEqual([4, 1, 24]);
    expect(hours((await get(`/v1/tasks/${count.id}`)).json().task)).toBe(4);

    for (const query of ["kind=NOT_A_KIND", "overdue=yes", "status=closed", `assignee=${"a".repeat(101)}`]) {
      expectProblem(await get(`/v1/tasks?${query}`), 400, ErrorCode.QueryInvalid);
    }
  });

  it("overdue=true: unfinished tasks past their due time at the time of asking", async () => {
    const count = task("COUNT_MISMATCH"); // 4 h
    const dock = task("WRONG_DOCK"); // 30 min
    const doneDock = task("WRONG_DOCK");
    await ingest([count, dock, doneDock]);
    await post(`/v1/tasks/${doneDock.id}/complete`, { outcome: "no-change" });
    expect(await ids("overdue=true")).toEqual([]);
    expect(await ids("overdue=false")).toEqual([count.id, dock.id, doneDock.id]);
    // Only Date moves: the route asks the clock when the request comes.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 60 * 60_000);
    expect(await ids("overdue=true")).toEqual([dock.id]);
    vi.setSystemTime(Date.now() + 4 * 60 * 60_000);
    expect(await ids("overdue=true")).toEqual([count.id, dock.id]);
    expect(await ids("overdue=true&kind=COUNT_MISMATCH")).toEqual([count.id]);
  });
});

describe("task due times from the app's policy", () => {
  it("answers dueAt from the policy the app was built with", async () => {
    await start({ ...DEFAULT_TASK_DUE, byType: { ...DEFAULT_TASK_DUE.byType, COUNT_MISMATCH: 15 } });
    const t = task("COUNT_MISMATCH");
    await ingest([t]);
    const { createdAt, dueAt } = (await get(`/v1/tasks/${t.id}`)).json().task as { createdAt: string; dueAt: string };
    expect(Date.parse(dueAt) - Date.parse(createdAt)).toBe(15 * 60_000);
  });
});
