import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AlertHub,
  buildApp,
  Credentials,
  createCloudMetrics,
  createLedgerStore,
  type LedgerStore,
  parseBootstrapTokens,
  Role,
  roleAllows,
} from "@tally/cloud";
import type { EdgeBatch, Movement } from "@tally/protocols";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testLogger } from "../support/quiet-logger.js";

/** One secret per role, all for every site, plus the same roles limited to site S2. */
const SECRET = {
  viewer: "viewer-secret-0123456789",
  operator: "operator-secret-0123456789",
  supervisor: "supervisor-secret-0123456789",
  admin: "admin-secret-0123456789",
  edge: "edge-s1-secret-0123456789",
  adminS2: "admin-s2-secret-0123456789",
  edgeS2: "edge-s2-secret-0123456789",
} as const;

const MOVEMENT_ID = randomUUID();
const TASK_ID = randomUUID();
const EPC = "urn:epc:id:sgtin:0614141.000001.42";

let dir: string;
let store: LedgerStore;
/** An alert of site S1 (its id is made by the ledger). */
let alertId: string;
/** A silence of site S1. */
let silenceId: string;
/** An excursion of S1. */
let excursionId: string;
let app: FastifyInstance;

async function build(mode: "development" | "production"): Promise<FastifyInstance> {
  const credentials = new Credentials({
    store: store.security,
    bootstrap: parseBootstrapTokens(
      [
        `viewer:${SECRET.viewer}`,
        `operator:${SECRET.operator}`,
        `supervisor:${SECRET.supervisor}`,
        `admin:${SECRET.admin}`,
        `edge@S1/edge-1:${SECRET.edge}`,
        `admin@S2:${SECRET.adminS2}`,
        `edge@S2/edge-2:${SECRET.edgeS2}`,
      ].join(","),
    ),
  });
  return buildApp({
    store,
    logger: testLogger(),
    alerts: new AlertHub(),
    credentials,
    mode,
    metrics: createCloudMetrics(),
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tally-route-policy-"));
  store = await createLedgerStore({ dataDir: dir });
  // Records of site S1 that the routes taking an id look up: a scoped principal of S2 must not reach them.
  const at = "2026-11-22T08:00:00.000Z";
  const base = { siteId: "S1", occurredAt: at, evidence: { deviceId: "portal-1", observationIds: [] } };
  await store.commit({ edgeId: "edge-1", siteId: "S1", batchId: randomUUID(), seq: 0 }, [
    {
      kind: "movement",
      id: MOVEMENT_ID,
      ...base,
      movementType: "RECEIPT",
      sku: "SKU-1",
      qty: 1,
      to: "S1/A/01",
      epc: EPC,
      confidence: 1,
    } as Movement,
    {
      kind: "task",
      id: TASK_ID,
      ...base,
      taskType: "UNKNOWN_TAG",
      location: "S1/A/01",
      priority: "normal",
      detail: "a tag nobody knows",
    },
    {
      kind: "condition",
      id: randomUUID(),
      siteId: "S1",
      occurredAt: at,
      conditionType: "TEMPERATURE_EXCURSION",
      state: "raised",
      key: "TEMPERATURE_EXCURSION:temp-1",
      deviceId: "temp-1",
      detail: "cold room warm",
    },
  ]);
  alertId = (await store.alerts())[0]?.id ?? "";
  const excursion = await store.excursions.record({
    kind: "record",
    record: {
      ...{ id: randomUUID(), siteId: "S1", deviceId: "temp-1", location: "S1/COLD/01", zone: "COLD" },
      ...{ status: "open", startedAt: at, raisedAt: at, side: "above", limit: 8, peak: 9 },
      ...{ durationS: 0, degreeMinutes: 0, unknownS: 0, graceS: 0, hysteresisC: 0 },
    },
  });
  excursionId = excursion?.record.id ?? "";
  silenceId = (
    await store.alerting.addSilence({
      matchers: { siteId: "S1" },
      exceptCritical: false,
      startsAt: at,
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
      createdBy: "test",
      comment: "a silence of S1",
    })
  ).id;
  // Expected documents of S1 under the id the close routes are called with.
  await store.putExpected("receipt", {
    id: MOVEMENT_ID,
    siteId: "S1",
    status: "open",
    lines: [{ sku: "SKU-1", qty: 1 }],
  });
  await store.putExpected("shipment", {
    id: MOVEMENT_ID,
    siteId: "S1",
    dock: "S1/DOCK/D1",
    status: "open",
    lines: [{ sku: "SKU-1", qty: 1 }],
  });
  app = await build("production");
});
afterEach(async () => {
  await app.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

type Operation = { security?: { bearer?: string[] }[] };

/** Every operation of the OpenAPI document with the roles its security requirement names. */
async function operations(): Promise<{ method: string; path: string; roles: Role[] | "public" }[]> {
  const res = await app.inject({ url: "/docs/json" });
  expect(res.statusCode).toBe(200);
  const doc = res.json() as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => {
      expect(op.security, `${method.toUpperCase()} ${path} declares who may call it`).toBeDefined();
      const bearer = op.security?.[0]?.bearer;
      return {
        method: method.toUpperCase(),
        path,
        roles: bearer === undefined ? ("public" as const) : bearer.map((r) => Role.parse(r)),
      };
    }),
  );
}

/** A concrete URL for a path template: ids of S1's records, site S1. */
function url(path: string): string {
  const filled = path
    .replace("{siteId}", "S1")
    .replace(
      "{id}",
      path.startsWith("/v1/tasks")
        ? TASK_ID
        : path.startsWith("/v1/alerts")
          ? alertId
          : path.startsWith("/v1/silences")
            ? silenceId
            : path.startsWith("/v1/excursions")
              ? excursionId
              : MOVEMENT_ID,
    )
    .replace("{sku}", "SKU-1")
    .replace("{epc}", encodeURIComponent(EPC))
    .replace("{edgeId}", "edge-1");
  return filled.includes("?") ? filled : `${filled}?siteId=S1`;
}

/** Bodies that pass validation, so a refusal that comes later (in the handler) is reached too. */
function body(method: string, path: string): unknown {
  if (method === "GET") return undefined;
  const batch: EdgeBatch = {
    v: 1,
    edgeId: "edge-1",
    siteId: "S1",
    batchId: randomUUID(),
    seq: 0,
    sentAt: "2026-11-22T08:00:00.000Z",
    events: [
      {
        kind: "movement",
        id: randomUUID(),
        siteId: "S1",
        occurredAt: "2026-11-22T08:00:00.000Z",
        movementType: "RECEIPT",
        sku: "SKU-1",
        qty: 1,
        to: "S1/A/01",
        evidence: { deviceId: "p", observationIds: [] },
        confidence: 1,
      },
    ],
  };
  const bodies: Record<string, unknown> = {
    "/v1/ingest": batch,
    "/v1/expected-receipts": { id: "ASN-1", siteId: "S1", lines: [{ sku: "SKU-1", qty: 1 }] },
    "/v1/expected-shipments": { id: "SO-1", siteId: "S1", dock: "S1/DOCK/D1", lines: [{ sku: "SKU-1", qty: 1 }] },
    "/v1/tasks/{id}/assign": { assignee: "ana" },
    "/v1/tasks/{id}/complete": { outcome: "no-change" },
    "/v1/tasks/{id}/dismiss": { reason: "checked on the shelf" },
    "/v1/items/{sku}": { sku: "SKU-1", gtins: [] },
    "/v1/tokens": { name: "x", role: "viewer" },
    "/v1/silences": { matchers: { siteId: "S1" }, minutes: 5, comment: "re-cabling" },
    "/v1/sites/{siteId}/maintenance": { minutes: 5, comment: "inspection" },
  };
  return bodies[path] ?? {};
}

const call = (method: string, path: string, secret?: string): Promise<LightMyRequestResponse> => {
  const payload = body(method, path);
  return app.inject({
    method: method as "GET",
    url: url(path),
    headers: {
      ...(secret !== undefined && { authorization: `Bearer ${secret}` }),
      ...(payload !== undefined && { "content-type": "application/json" }),
    },
    ...(payload !== undefined && { payload: JSON.stringify(payload) }),
  });
};

/** A role the route does not admit, if there is one. */
function wrongRole(roles: readonly Role[]): keyof typeof SECRET | undefined {
  return (["viewer", "operator", "supervisor", "admin", "edge"] as const).find((r) => !roleAllows(r, roles));
}

/** Routes over data of no one site: a site-scoped principal of the right role may call them. */
const SITELESS = new Set(["GET /v1/items", "GET /v1/items/{sku}", "GET /v1/silences", "GET /v1/whoami"]);

function expectRefused(res: LightMyRequestResponse, status: 401 | 403, what: string) {
  expect(res.statusCode, `${what}: ${res.body.slice(0, 300)}`).toBe(status);
  expect(res.headers["content-type"], what).toMatch(/^application\/problem\+json/);
  expect((res.json() as { code: string }).code, what).toMatch(/^TALLY_ERR_AUTH_/);
}

describe("route policies", () => {
  it("every route of the OpenAPI document declares who may call it, and only /healthz is public", async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(30);
    expect(ops.filter((o) => o.roles === "public").map((o) => `${o.method} ${o.path}`)).toEqual(["GET /healthz"]);
  });

  it("refuses anonymous (production), wrong-role and wrong-site callers on every route that has a policy", async () => {
    const checked = { anonymous: 0, role: 0, site: 0 };
    for (const { method, path, roles } of await operations()) {
      if (roles === "public") continue;
      const what = `${method} ${path}`;
      const anonymous = await call(method, path);
      expectRefused(anonymous, 401, `${what} anonymous`);
      expect(anonymous.headers["www-authenticate"], what).toMatch(/^Bearer/);
      checked.anonymous += 1;
      const wrong = wrongRole(roles);
      if (wrong !== undefined) {
        expectRefused(await call(method, path, SECRET[wrong]), 403, `${what} as ${wrong}`);
        checked.role += 1;
      }
      if (!SITELESS.has(what)) {
        // A principal of a role the route admits, limited to S2, asking about S1.
        const scoped = roles.includes("edge") && !roles.some((r) => r !== "edge") ? SECRET.edgeS2 : SECRET.adminS2;
        if (roles.includes("edge") || roleAllows("admin", roles)) {
          expectRefused(await call(method, path, scoped), 403, `${what} from another site`);
          checked.site += 1;
        }
      }
    }
    expect(checked.anonymous).toBeGreaterThan(30);
    expect(checked.role).toBeGreaterThan(25);
    expect(checked.site).toBeGreaterThan(25);
    // Nothing the refused calls carried reached the ledger.
    expect((await store.movements({ limit: 10 })).map((m) => m.id)).toEqual([MOVEMENT_ID]);
    expect((await store.expectedReceipts({})).map((r) => [r.id, r.status])).toEqual([[MOVEMENT_ID, "open"]]);
    expect((await store.expectedShipments({})).map((r) => [r.id, r.status])).toEqual([[MOVEMENT_ID, "open"]]);
  });

  it("guards the routes the document hides: /metrics needs a viewer; the docs are public", async () => {
    expectRefused(await app.inject({ url: "/metrics" }), 401, "GET /metrics");
    // The HEAD twin fastify adds to each GET carries the same policy.
    expect((await app.inject({ method: "HEAD", url: "/v1/stock" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/docs" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/docs/page.js" })).statusCode).toBe(200);
  });

  it("refuses to start with a route that declares no policy", async () => {
    expect(() => app.get("/v1/unguarded", async () => ({ ok: true }))).toThrow(/declares no access policy/);
  });

  it("a site-scoped principal's lists hold only its site", async () => {
    await store.commit({ edgeId: "edge-2", siteId: "S2", batchId: randomUUID(), seq: 0 }, [
      {
        kind: "movement",
        id: randomUUID(),
        siteId: "S2",
        occurredAt: "2026-11-22T09:00:00.000Z",
        movementType: "RECEIPT",
        sku: "SKU-1",
        qty: 7,
        to: "S2/A/01",
        evidence: { deviceId: "p", observationIds: [] },
        confidence: 1,
      } as Movement,
    ]);
    const auth = { authorization: `Bearer ${SECRET.adminS2}` };
    const stock = (await app.inject({ url: "/v1/stock", headers: auth })).json() as {
      positions: { location: string }[];
    };
    expect(stock.positions.map((p) => p.location)).toEqual(["S2/A/01"]);
    const movements = (await app.inject({ url: "/v1/movements", headers: auth })).json() as {
      movements: { siteId: string }[];
    };
    expect(movements.movements.map((m) => m.siteId)).toEqual(["S2"]);
    const tasks = (await app.inject({ url: "/v1/tasks", headers: auth })).json() as { tasks: unknown[] };
    expect(tasks.tasks).toEqual([]);
  });
});

describe("development mode", () => {
  it("opens reads to anonymous callers on the loopback only; writes always need a token", async () => {
    await app.close();
    app = await build("development");
    expect((await app.inject({ url: "/v1/stock" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/v1/stock", remoteAddress: "192.0.2.7" })).statusCode).toBe(401);
    const write = await app.inject({
      method: "PUT",
      url: "/v1/items/SKU-1",
      payload: { sku: "SKU-1", gtins: [] },
    });
    expectRefused(write, 401, "anonymous write on the loopback");
    // Admin-only reads are not open either: anonymous is a viewer.
    expectRefused(await app.inject({ url: "/v1/audit" }), 403, "anonymous audit read");
  });
});
