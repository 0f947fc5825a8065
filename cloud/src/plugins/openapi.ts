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
<script src="/docs/page.js"></script></body></html>`;

/** The page's script, served from its own URL so the content security policy can forbid inline scripts. */
const DOCS_SCRIPT = `fetch("/docs/json").then((r) => r.json()).then((doc) => {
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
`;

/** Collects route schemas into an OpenAPI document: JSON at `/docs/json`, a readable page at `/docs`. Register before the routes. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Tally cloud", description: "Inventory ledger, alerts and ingest for Tally edges", version: "1" },
      security: [{ bearer: [] }],
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description:
              "an API token (`tly_<id>_<secret>` from POST /v1/tokens or `tally token create`, or one of TALLY_API_TOKENS)",
          },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  // The API's shape is no secret (it is in the repository); what it holds is.
  const open = { schema: { hide: true }, config: { policy: { public: true as const } } };
  app.get("/docs/json", open, async () => app.swagger());
  app.get("/docs", open, async (_request, reply) => reply.type("text/html").send(DOCS_PAGE));
  app.get("/docs/page.js", open, async (_request, reply) => reply.type("text/javascript").send(DOCS_SCRIPT));
}
