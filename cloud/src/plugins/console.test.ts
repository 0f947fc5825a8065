import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertHub } from "../alerts/alert-hub.js";
import { buildApp } from "../app.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { silentLogger, tempStore, testCredentials } from "../testing/fixtures.js";
import { CONSOLE_DIR, importMapHash, registerConsole } from "./console.js";

let app: FastifyInstance;
let store: LedgerStore;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  app = await buildApp({ store, logger: silentLogger(), alerts: new AlertHub(), credentials: testCredentials(store) });
});
afterEach(async () => {
  await app.close();
  await dispose();
});

describe("the console", () => {
  it("serves its page at / with a CSP that admits its import map by hash and nothing else inline", async () => {
    const res = await app.inject({ method: "GET", url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(res.body)?.[1];
    if (map === undefined) throw new Error("no import map in the page");
    const hash = createHash("sha256").update(map, "utf8").digest("base64");
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).not.toContain("unsafe-inline'; script");
    expect(csp).toContain("default-src 'self'");
    // Every module the import map names is served.
    for (const url of Object.values((JSON.parse(map) as { imports: Record<string, string> }).imports)) {
      const vendor = await app.inject({ method: "GET", url });
      expect(vendor.statusCode, url).toBe(200);
      expect(vendor.headers["content-type"], url).toMatch(/javascript/);
    }
  });

  it("preloads every module of the console, each of which is served", async () => {
    const page = (await app.inject({ method: "GET", url: "/" })).body;
    const preloaded = [...page.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1] ?? "");
    const own = (await readdir(CONSOLE_DIR, { recursive: true }))
      .filter((f) => f.endsWith(".js"))
      .map((f) => `/console/${f.split(sep).join("/")}`);
    expect(preloaded.filter((url) => !url.startsWith("/console/vendor/")).sort()).toEqual(own.sort());
    for (const url of preloaded) expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(200);
  });

  it("keeps helmet's default CSP (no hash) on the API and the console's other files", async () => {
    const api = await app.inject({ method: "GET", url: "/healthz" });
    expect(String(api.headers["content-security-policy"])).toContain("script-src 'self';");
    const module = await app.inject({ method: "GET", url: "/console/main.js" });
    expect(module.statusCode).toBe(200);
    expect(module.headers["content-type"]).toMatch(/javascript/);
    expect(String(module.headers["content-security-policy"])).not.toContain("sha256");
    const css = await app.inject({ method: "GET", url: "/console/vendor/uplot.css" });
    expect(css.headers["content-type"]).toMatch(/^text\/css/);
  });

  it("serves only the vendor files it lists and nothing outside its folder", async () => {
    expect((await app.inject({ method: "GET", url: "/console/vendor/react.mjs" })).statusCode).toBe(404);
    for (const url of ["/console/../src/app.ts", "/console/%2e%2e/package.json", "/console/..%2fpackage.json"]) {
      const res = await app.inject({ method: "GET", url });
      expect([403, 404], url).toContain(res.statusCode);
      expect(res.body, url).not.toContain("buildApp");
    }
  });

  it("needs no token (the page holds no data) and stays out of the OpenAPI document", async () => {
    const res = await app.inject({ method: "GET", url: "/console/views/app.js" });
    expect(res.statusCode).toBe(200);
    const doc = (await app.inject({ method: "GET", url: "/docs/json" })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p === "/" || p.startsWith("/console"))).toEqual([]);
  });

  it("a cloud without the console files still serves the API and logs why", async () => {
    const empty = await mkdtemp(join(tmpdir(), "tally-console-none-"));
    try {
      const logged: string[] = [];
      // As app.ts does: pino's Logger typed as fastify's base logger.
      const loggerInstance: FastifyBaseLogger = pino(
        {},
        { write: (line: string) => logged.push((JSON.parse(line) as { msg: string }).msg) },
      );
      const bare = Fastify({ loggerInstance }) as FastifyInstance;
      await registerConsole(bare, empty);
      expect(logged).toEqual(["console files not found: the web console is not served"]);
      await bare.close();
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe("importMapHash", () => {
  it("hashes exactly the import map's text, as the browser does", async () => {
    const map = '\n{ "imports": { "a": "/a.js" } }\n';
    const expected = `'sha256-${createHash("sha256").update(map).digest("base64")}'`;
    expect(importMapHash(`<head><script type="importmap">${map}</script></head>`)).toBe(expected);
    expect(importMapHash("<head></head>")).toBeUndefined();
  });

  it("finds the import map of the page in the package", async () => {
    const page = await readFile(join(CONSOLE_DIR, "index.html"), "utf8");
    expect(importMapHash(page)).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/);
  });
});
