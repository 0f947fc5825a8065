import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

/**
 * A page that renders the OpenAPI document without any package:
 * `@fastify/swagger-ui` is not installed, so `/docs` lists every operation
 * from `/docs/json` with a few lines of script.
 */
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tally cloud API</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}code{background:#f4f4f4;padding:0 .3em}
.op{margin:.4em 0}.m{display:inline-block;width:4.5em;font-weight:bold}</style></head>
<body><h1>Tally cloud API</h1><p>OpenAPI 3 document: <a href="/docs/json">/docs/json</a></p><div id="ops">loading…</div>
<script>
fetch("/docs/json").then((r) => r.json()).then((doc) => {
  const ops = document.getElementById("ops");
  ops.textContent = "";
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const div = document.createElement("div");
      div.className = "op";
      const m = document.createElement("span");
      m.className = "m";
      m.textContent = method.toUpperCase();
      const p = document.createElement("code");
      p.textContent = path;
      div.append(m, p, " ", op.summary ?? "");
      ops.append(div);
    }
  }
});
</script></body></html>`;

/** Collects route schemas into an OpenAPI document: JSON at `/docs/json`, a readable page at `/docs`. Register before the routes. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Tally cloud", description: "Inventory ledger, alerts and ingest for Tally edges", version: "1" },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "TALLY_API_TOKENS (role:secret)" } },
      },
    },
    transform: jsonSchemaTransform,
  });
  app.get("/docs/json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/docs", { schema: { hide: true } }, async (_request, reply) => reply.type("text/html").send(DOCS_PAGE));
}
