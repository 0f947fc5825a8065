import { LedgerErrorCode } from "@tally/protocols";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { AlertHub } from "../../alerts/alert-hub.js";
import { buildApp } from "../../app.js";
import type { LedgerStore } from "../../ledger/ledger-store.js";
import type { ApiLimits } from "../../plugins/api-limits.js";
import { createCloudMetrics } from "../../plugins/metrics.js";
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
const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of disposers.splice(0).reverse()) await d();
});

async function start(limits: Partial<ApiLimits> = {}): Promise<void> {
  const temp = await tempStore();
  store = temp.store;
  disposers.push(temp.dispose);
  app = await buildApp({
    siteFacts: everyLocationKnown,
    store,
    logger: silentLogger(),
    alerts: new AlertHub(),
    credentials: testCredentials(store),
    mode: "production",
    metrics: createCloudMetrics(),
    limits,
  });
  disposers.push(() => app.close());
}

const post = (url: string, payload: unknown, token?: string) =>
  app.inject({
    method: "POST",
    url,
    payload: JSON.stringify(payload),
    headers: { "content-type": "application/json", ...(token !== undefined && bearer(token)) },
  });

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status, code });
}

const metric = async (name: string): Promise<string> => {
  const text = (await app.inject({ url: "/metrics", headers: bearer(TEST_TOKENS.viewer) })).body;
  return text
    .split("\n")
    .filter((l) => l.startsWith(name))
    .join("\n");
};

describe("POST /v1/ingest", () => {
  it("commits nothing without a token, with a person's token, or with another edge's token", async () => {
    await start();
    const forged = batch([movement()]);
    expectProblem(await post("/v1/ingest", forged), 401, LedgerErrorCode.AuthRequired);
    expectProblem(await post("/v1/ingest", forged, TEST_TOKENS.viewer), 403, LedgerErrorCode.AuthForbidden);
    expectProblem(await post("/v1/ingest", forged, TEST_TOKENS.admin), 403, LedgerErrorCode.AuthForbidden);
    // edge-2's credential (site S2) sending a batch that names edge-1 of S1.
    const other = await post("/v1/ingest", forged, TEST_TOKENS.otherEdge);
    expectProblem(other, 403, LedgerErrorCode.AuthIdentityMismatch);
    expect(other.json().detail).toMatch(/edge-2 of site S2.*edge-1 of site S1/);
    // Its own edge id under another site is as forged.
    expectProblem(
      await post(
        "/v1/ingest",
        batch([movement({ siteId: "S2" })], { siteId: "S1", edgeId: "edge-2" }),
        TEST_TOKENS.otherEdge,
      ),
      403,
      LedgerErrorCode.AuthIdentityMismatch,
    );
    expect(await store.movements({ limit: 10 })).toEqual([]);
    const alerts = await store.alerts({ status: "open" });
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: "FORGED_MESSAGE",
        siteId: "S2",
        dedupKey: "FORGED_MESSAGE:envelope-mismatch:edge-2",
        severity: "critical",
      }),
    ]);
    expect(await metric("tally_cloud_api_refused_total")).toMatch(/reason="forged"\} 2/);
    // The right credential commits.
    expect((await post("/v1/ingest", forged, TEST_TOKENS.edge)).json()).toMatchObject({ status: "committed" });
  });
});

describe("GET /v1/stock paging", () => {
  it("never answers a ledger bigger than the largest page whole; pages cover it exactly once", async () => {
    await start();
    const count = 1203;
    const events = Array.from({ length: count }, (_, i) =>
      movement({ sku: `SKU-${i % 7}`, to: `S1/A/${String(i).padStart(4, "0")}`, qty: 1 }),
    );
    for (let i = 0; i < events.length; i += 500) {
      await store.commit({ edgeId: "edge-1", siteId: "S1", batchId: `b${i}`, seq: i }, events.slice(i, i + 500));
    }
    const get = (query: string) => app.inject({ url: `/v1/stock${query}`, headers: bearer(TEST_TOKENS.viewer) });
    expectProblem(await get("?limit=1001"), 400, "TALLY_ERR_QUERY_INVALID");
    const first = (await get("")).json() as { positions: unknown[]; next?: string; totalPositions: number };
    expect(first.positions).toHaveLength(100);
    expect(first.next).toBeDefined();
    expect(first.totalPositions).toBe(count);
    const seen = new Set<string>();
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await get(`?limit=1000${after === undefined ? "" : `&after=${after}`}`);
      const page = res.json() as {
        positions: { sku: string; location: string; lot: string }[];
        next?: string;
        totalQty: number;
        totals: { sku: string; qty: number }[];
      };
      expect(page.positions.length).toBeLessThanOrEqual(1000);
      expect(page.totalQty).toBe(count);
      // Per-SKU totals are over the whole ledger, not the page: SKU-0 holds ⌈1203 / 7⌉ units.
      expect(page.totals.find((t) => t.sku === "SKU-0")?.qty ?? 172).toBe(172);
      for (const p of page.positions) seen.add(`${p.sku}|${p.location}|${p.lot}`);
      pages += 1;
      if (page.next === undefined) break;
      after = page.next;
    }
    expect(pages).toBe(2);
    expect(seen.size).toBe(count);
    expectProblem(await get("?after=not-a-cursor"), 400, "TALLY_ERR_QUERY_INVALID");
  });
});

describe("tokens and the audit log", () => {
  it("an admin creates a token (shown once), lists it without its secret, and revokes it", async () => {
    await start();
    const created = await post(
      "/v1/tokens",
      { name: "night shift", role: "operator", sites: ["S1"] },
      TEST_TOKENS.admin,
    );
    expect(created.statusCode).toBe(201);
    const { token, info } = created.json() as { token: string; info: { id: string } };
    expect(token).toMatch(/^tly_[a-z0-9]{16}_/);
    const asNew = bearer(token);
    expect((await app.inject({ url: "/v1/tasks", headers: asNew })).statusCode).toBe(200);
    expectProblem(await app.inject({ url: "/v1/tasks?siteId=S2", headers: asNew }), 403, LedgerErrorCode.AuthForbidden);
    const listed = await app.inject({ url: "/v1/tokens", headers: bearer(TEST_TOKENS.admin) });
    expect(listed.json().tokens).toEqual([
      expect.objectContaining({ id: info.id, name: "night shift", role: "operator" }),
    ]);
    expect(listed.body).not.toContain(token.slice(-43));
    expectProblem(
      await post("/v1/tokens", { name: "e", role: "edge", sites: ["S1"] }, TEST_TOKENS.admin),
      400,
      "TALLY_ERR_MSG_SCHEMA",
    );
    expectProblem(
      await post("/v1/tokens", { name: "x", role: "admin" }, TEST_TOKENS.adminS2),
      403,
      LedgerErrorCode.AuthForbidden,
    );
    const revoked = await app.inject({
      method: "DELETE",
      url: `/v1/tokens/${info.id}`,
      headers: bearer(TEST_TOKENS.admin),
    });
    expect(revoked.json().info.revokedBy).toBe("env-admin-1");
    expectProblem(await app.inject({ url: "/v1/tasks", headers: asNew }), 401, LedgerErrorCode.AuthRequired);
  });

  it("pages tokens in creation order: each once, none skipped", async () => {
    await start();
    const made: string[] = [];
    for (const name of ["a", "b", "c", "d", "e"]) {
      const created = await post("/v1/tokens", { name, role: "viewer" }, TEST_TOKENS.admin);
      made.push((created.json() as { info: { id: string } }).info.id);
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const query = `?limit=2${after === undefined ? "" : `&after=${after}`}`;
      const page = (await app.inject({ url: `/v1/tokens${query}`, headers: bearer(TEST_TOKENS.admin) })).json() as {
        tokens: { id: string }[];
        next?: string;
      };
      expect(page.tokens.length).toBeLessThanOrEqual(2);
      seen.push(...page.tokens.map((t) => t.id));
      if (page.next === undefined) break;
      after = page.next;
    }
    // Tokens made in the same millisecond are ordered by id: compare as sets, and count to catch repeats.
    expect(seen).toHaveLength(made.length);
    expect(new Set(seen)).toEqual(new Set(made));
  });

  it("records every write with who, what, when and status; ingest is left to the ledger's commits", async () => {
    await start();
    const item = { sku: "SKU-1", gtins: [] };
    const put = (token: string) =>
      app.inject({ method: "PUT", url: "/v1/items/SKU-1", payload: item, headers: bearer(token) });
    expect((await put(TEST_TOKENS.admin)).statusCode).toBe(200);
    expect((await put(TEST_TOKENS.supervisor)).statusCode).toBe(403);
    expect((await post("/v1/ingest", batch([movement()]), TEST_TOKENS.edge)).statusCode).toBe(200);
    expect((await app.inject({ method: "PUT", url: "/v1/items/SKU-1", payload: item })).statusCode).toBe(401);
    expectProblem(
      await app.inject({ url: "/v1/audit", headers: bearer(TEST_TOKENS.supervisor) }),
      403,
      LedgerErrorCode.AuthForbidden,
    );
    const first = await app.inject({ url: "/v1/audit?limit=1", headers: bearer(TEST_TOKENS.admin) });
    const page = first.json() as { entries: unknown[]; next?: number };
    expect(page.entries).toEqual([
      expect.objectContaining({
        actor: "env-admin-1",
        role: "admin",
        method: "PUT",
        route: "/v1/items/:sku",
        path: "/v1/items/SKU-1",
        status: 200,
        at: expect.any(String),
      }),
    ]);
    const rest = await app.inject({ url: `/v1/audit?after=${page.next}`, headers: bearer(TEST_TOKENS.admin) });
    expect(rest.json().entries).toEqual([
      expect.objectContaining({ actor: "env-supervisor-2", method: "PUT", status: 403 }),
    ]);
  });
});

describe("limits", () => {
  it("refuses an address that failed authentication too often, even with a good token, for a while", async () => {
    await start({ authFailures: 3 });
    for (let i = 0; i < 3; i++) {
      expectProblem(
        await app.inject({ url: "/v1/tasks", headers: bearer(`guess-${i}-0123456789`) }),
        401,
        LedgerErrorCode.AuthRequired,
      );
    }
    const blocked = await app.inject({ url: "/v1/tasks", headers: bearer(TEST_TOKENS.viewer) });
    expectProblem(blocked, 429, LedgerErrorCode.AuthThrottled);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    // Another address is not affected.
    expect(
      (await app.inject({ url: "/v1/tasks", headers: bearer(TEST_TOKENS.viewer), remoteAddress: "192.0.2.9" }))
        .statusCode,
    ).toBe(200);
    const counted = await app.inject({
      url: "/metrics",
      headers: bearer(TEST_TOKENS.viewer),
      remoteAddress: "192.0.2.9",
    });
    expect(counted.body).toMatch(/tally_cloud_api_refused_total\{reason="unknown"\} 3/);
    expect(counted.body).toMatch(/tally_cloud_api_refused_total\{reason="throttled"\} 1/);
  });

  it("rate-limits each caller, and small bodies are the default", async () => {
    await start({ rateMax: 3, bodyLimit: 2048 });
    for (let i = 0; i < 3; i++) {
      expect((await app.inject({ url: "/v1/alerts", headers: bearer(TEST_TOKENS.viewer) })).statusCode).toBe(200);
    }
    expectProblem(
      await app.inject({ url: "/v1/alerts", headers: bearer(TEST_TOKENS.viewer) }),
      429,
      LedgerErrorCode.RateLimited,
    );
    // An edge's credential has a larger budget of its own (a batch per uplink flush).
    for (let i = 0; i < 5; i++) {
      const ref = await app.inject({ url: "/v1/sites/S1/reference-data", headers: bearer(TEST_TOKENS.edge) });
      expect(ref.statusCode).toBe(200);
    }
    // Another principal has its own budget; a body over the default limit is refused before it is parsed.
    const item = { sku: "SKU-1", gtins: [], name: "x".repeat(4096) };
    expectProblem(
      await app.inject({ method: "PUT", url: "/v1/items/SKU-1", payload: item, headers: bearer(TEST_TOKENS.admin) }),
      413,
      "TALLY_ERR_MSG_TOO_LARGE",
    );
  });

  it("sends the security headers", async () => {
    await start();
    const res = await app.inject({ url: "/healthz" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toMatch(/default-src 'self'/);
  });
});
