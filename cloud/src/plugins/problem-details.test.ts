import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { installProblemDetails, sendFrameworkProblem } from "./problem-details.js";

async function appWithRoute() {
  const app = Fastify({ frameworkErrors: sendFrameworkProblem });
  installProblemDetails(app);
  app.get("/items/:sku", async (request) => request.params);
  await app.ready();
  return app;
}

describe("sendFrameworkProblem", () => {
  it.each([
    // Found by the fuzz suite: the router answered these with fastify's own JSON, not a problem.
    ["/items/%", 400, "Bad Request"],
    ["/items/%E0%A4%A", 400, "Bad Request"],
    [`/items/${"x".repeat(101)}`, 414, "URI Too Long"],
  ])("%s: the router's refusal is a problem+json with a code", async (url, status, title) => {
    const app = await appWithRoute();
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status, title, code: "TALLY_ERR_QUERY_INVALID", detail: expect.any(String) });
    await app.close();
  });
});
