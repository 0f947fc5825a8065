import { ErrorCode } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { AlertHub } from "../../alerts/alert-hub.js";
import { buildApp } from "../../app.js";
import { EdgeRegistry } from "../../ingest/edge-registry.js";
import type { LedgerStore } from "../../ledger/ledger-store.js";
import {
  batch,
  everyLocationKnown,
  movement,
  silentLogger,
  TEST_TOKENS,
  tempStore,
  testCredentials,
} from "../../testing/fixtures.js";

const A = "0190c7e4-0000-7000-8000-00000000000a";
const B = "0190c7e4-0000-7000-8000-00000000000b";

let app: FastifyInstance;
let store: LedgerStore;
let dispose: () => Promise<void>;
let now = 1_000_000;

async function start() {
  ({ store, dispose } = await tempStore());
  app = await buildApp({
    siteFacts: everyLocationKnown,
    store,
    logger: silentLogger(),
    alerts: new AlertHub(),
    edges: new EdgeRegistry({ graceMs: 10_000, now: () => now }),
    credentials: testCredentials(store),
  });
}
afterEach(async () => {
  await app.close();
  await dispose();
});

const ingest = (instanceId: string, seq: number, n: number) =>
  app.inject({
    method: "POST",
    url: "/v1/ingest",
    headers: { authorization: `Bearer ${TEST_TOKENS.edge}` },
    payload: batch([movement({ id: `0190c7e4-0000-7000-8000-${String(n).padStart(12, "0")}` })], {
      instanceId,
      seq,
    }),
  });

describe("edges: sequence numbers and identity quarantine", () => {
  it("lists the edges heard from, with their last sequence number and gaps", async () => {
    await start();
    expect((await ingest(A, 0, 1)).json().status).toBe("committed");
    expect((await ingest(A, 3, 2)).json().status).toBe("committed");
    const res = await app.inject({ url: "/v1/edges", headers: { authorization: `Bearer ${TEST_TOKENS.admin}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json().edges).toEqual([
      expect.objectContaining({ edgeId: "edge-1", instanceId: A, lastSeq: 3, batches: 2, seqGaps: 2 }),
    ]);
  });

  it("refuses both processes' batches once two send as one edge, raises one alert, and releases on an admin's word", async () => {
    await start();
    await ingest(A, 0, 1);
    now += 1000;
    await ingest(B, 0, 2);
    now += 20_000;
    const refused = (await ingest(A, 1, 3)).json();
    expect(refused.status).toBe("rejected");
    expect(refused.rejected[0]).toMatchObject({ code: ErrorCode.EdgeQuarantined });
    expect((await ingest(B, 1, 4)).json().status).toBe("rejected");
    // Nothing of the refused batches reached the ledger; the edges keep them in their outboxes.
    expect((await store.movements({ limit: 10 })).map((m) => m.id).sort()).toEqual([
      "0190c7e4-0000-7000-8000-000000000001",
      "0190c7e4-0000-7000-8000-000000000002",
    ]);
    const alerts = await store.alerts({ status: "open" });
    expect(alerts.filter((a) => a.kind === "EDGE_IDENTITY_CONFLICT")).toHaveLength(1);

    const forbidden = await app.inject({
      method: "POST",
      url: "/v1/edges/edge-1/release",
      headers: { authorization: `Bearer ${TEST_TOKENS.edge}` },
    });
    expect(forbidden.statusCode).toBe(403);
    const released = await app.inject({
      method: "POST",
      url: "/v1/edges/edge-1/release",
      headers: { authorization: `Bearer ${TEST_TOKENS.admin}` },
    });
    expect(released.statusCode).toBe(200);
    expect(released.json().edge.quarantine).toBeUndefined();
    expect((await store.alerts({ status: "open" })).filter((a) => a.kind === "EDGE_IDENTITY_CONFLICT")).toEqual([]);
    expect((await ingest(B, 2, 4)).json().status).toBe("committed");
  });

  it("answers 404 with a problem body for an edge never heard from", async () => {
    await start();
    const res = await app.inject({
      method: "POST",
      url: "/v1/edges/nobody/release",
      headers: { authorization: `Bearer ${TEST_TOKENS.admin}` },
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
    const bad = await app.inject({
      method: "POST",
      url: "/v1/edges/bad%20id!/release",
      headers: { authorization: `Bearer ${TEST_TOKENS.admin}` },
    });
    expect(bad.statusCode).toBe(400);
  });
});
