import { afterEach, describe, expect, it } from "vitest";
import { AlertHub } from "../alerts/alert-hub.js";
import { buildApp } from "../app.js";
import {
  batch,
  bearer,
  everyLocationKnown,
  movement,
  silentLogger,
  TEST_TOKENS,
  tempStore,
  testCredentials,
} from "../testing/fixtures.js";
import { createCloudMetrics } from "./metrics.js";

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of disposers.splice(0).reverse()) await d();
});

describe("GET /metrics", () => {
  it("counts committed events, absorbed duplicates and rejections from ingest, in Prometheus text format", async () => {
    const { store, dispose } = await tempStore();
    disposers.push(dispose);
    const app = await buildApp({
      siteFacts: everyLocationKnown,
      store,
      logger: silentLogger(),
      alerts: new AlertHub(),
      metrics: createCloudMetrics(),
      credentials: testCredentials(store),
    });
    disposers.push(() => app.close());
    const m = movement();
    const post = (events: unknown[]) =>
      app.inject({
        method: "POST",
        url: "/v1/ingest",
        headers: bearer(TEST_TOKENS.edge),
        payload: batch(events) as unknown as Record<string, unknown>,
      });
    expect((await post([m, { kind: "movement", id: "not-a-uuid" }])).statusCode).toBe(200);
    expect((await post([m])).statusCode).toBe(200);

    const res = await app.inject({ url: "/metrics", headers: bearer(TEST_TOKENS.viewer) });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^tally_cloud_events_committed_total 1$/m);
    expect(res.body).toMatch(/^tally_cloud_duplicates_absorbed_total 1$/m);
    expect(res.body).toMatch(/^tally_cloud_events_rejected_total\{code="TALLY_ERR_EVENT_SCHEMA"\} 1$/m);
    expect(res.body).toMatch(/^tally_cloud_batches_total\{transport="http",status="committed"\} 2$/m);
    expect(res.body).toMatch(/^tally_cloud_commit_seconds_count 2$/m);
  });
});
