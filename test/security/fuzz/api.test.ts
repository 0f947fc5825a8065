import { Problem } from "@tally/cloud";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type FuzzRequest, type Operation, operationsOf, requestFor } from "./arbitraries/requests.js";
import { fuzzApi } from "./support/fuzz-api.js";
import { fuzzAsync, fuzzTimeout, withinBudgetAsync } from "./support/fuzz-runs.js";
import { expectPrototypesUntouched } from "./support/prototypes.js";

const SUITE = "api";
/** The API's share of the suite's cases, split evenly over its operations. */
const API_CASES = 18_700;

const api = await fuzzApi();
afterAll(async () => {
  await api.dispose();
});
const doc = (await api.inject({ url: "/docs/json" })).json() as Parameters<typeof operationsOf>[0];
const operations = operationsOf(doc);
/** Server-Sent Events never end: that route is read until its headers only. */
const isStream = (op: Operation) => op.path.endsWith("/stream");

/** No 5xx but a 503 the route documents; every 4xx a problem+json with a catalogued code and a reason. */
function expectAnswer(op: Operation, request: FuzzRequest, status: number, type: unknown, body: string): void {
  const what = `${request.method} ${request.url.slice(0, 300)}`;
  if (status >= 500 && !(status === 503 && op.responses.includes("503"))) {
    throw new Error(`${what} answered ${status}: ${body.slice(0, 500)}`);
  }
  if (status < 400) return;
  expect(String(type), what).toMatch(/^application\/problem\+json/);
  const problem = Problem.safeParse(JSON.parse(body));
  if (!problem.success) throw new Error(`${what}: ${status} with a body that is not a problem: ${body.slice(0, 500)}`);
  expect(problem.data.status, what).toBe(status);
  expect(problem.data.detail.trim(), what).not.toBe("");
}

describe("fuzz: every route of the cloud's OpenAPI document", () => {
  it("the document lists the routes", () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toContain("POST /v1/ingest");
  });

  it.each(operations.map((op, i) => [`${op.method} ${op.path}`, op, i] as const))(
    "%s: hostile path parameters, query strings and bodies get a 2xx, 3xx or a problem, never a 5xx",
    { timeout: fuzzTimeout(120_000) },
    async (_name, op, i) => {
      const share = Math.floor(API_CASES / operations.length) + (i === 0 ? API_CASES % operations.length : 0);
      await fuzzAsync(
        SUITE,
        fc.asyncProperty(requestFor(op), async (request) => {
          const response = await withinBudgetAsync("request", () =>
            api.inject({ ...request, ...(isStream(op) ? { payloadAsStream: true } : {}) }),
          );
          if (isStream(op)) {
            const stream = response.stream();
            const body = response.statusCode >= 400 ? await new Response(stream).text() : "";
            stream.destroy();
            expectAnswer(op, request, response.statusCode, response.headers["content-type"], body);
          } else {
            expectAnswer(op, request, response.statusCode, response.headers["content-type"], response.body);
          }
          expectPrototypesUntouched();
        }),
        share,
      );
    },
  );

  it("still answers after all of it", async () => {
    const health = await api.inject({ url: "/healthz" });
    expect(health.statusCode).toBe(200);
  });
});
