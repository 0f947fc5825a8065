import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { z } from "zod";

/** Where the console's own files are: `cloud/console/`, beside `src/` (in the repository and in the package). */
export const CONSOLE_DIR = fileURLToPath(new URL("../../console/", import.meta.url));

/**
 * The browser libraries the console imports, served from the installed
 * packages (never copied into the repository): URL name → file. Packages
 * are found through Node's resolution; the ES module build sits beside
 * the entry each package declares.
 */
export function vendorFiles(): ReadonlyMap<string, string> {
  const require = createRequire(import.meta.url);
  const beside = (entry: string, file: string) => join(dirname(require.resolve(entry)), file);
  return new Map([
    ["preact.mjs", require.resolve("preact")],
    ["preact-hooks.mjs", require.resolve("preact/hooks")],
    ["htm.mjs", beside("htm", "htm.mjs")],
    ["uplot.mjs", beside("uplot", "uPlot.esm.js")],
    ["uplot.css", beside("uplot", "uPlot.min.css")],
  ]);
}

/**
 * The SHA-256 source hash (CSP `'sha256-…'`) of the page's inline import
 * map: browsers take import maps only inline, and helmet's CSP refuses
 * inline scripts unless their hash is listed. Undefined without one.
 */
export function importMapHash(html: string): string | undefined {
  const match = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  if (match?.[1] === undefined) return undefined;
  return `'sha256-${createHash("sha256").update(match[1], "utf8").digest("base64")}'`;
}

const VendorParams = z.object({ file: z.string().min(1).max(64) });
const FileParams = z.object({ "*": z.string().max(200) });

/**
 * The supervisor console: `GET /` is its page, `/console/*` its modules
 * and stylesheet, `/console/vendor/*` preact, htm and uPlot. No build
 * step: the files are served as they are. Public routes (the page holds
 * no data; every API call it makes carries the user's token), hidden from
 * the OpenAPI document.
 */
export async function registerConsole(app: FastifyInstance, dir: string = CONSOLE_DIR): Promise<void> {
  const indexFile = join(dir, "index.html");
  if (!existsSync(indexFile)) {
    // A cloud without its console still serves the API; the log says why the page is missing.
    app.log.error({ dir }, "console files not found: the web console is not served");
    return;
  }
  const html = readFileSync(indexFile, "utf8");
  const hash = importMapHash(html);
  const vendor = vendorFiles();
  const hidden = { hide: true };
  const policy = { public: true } as const;

  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root: dir, serve: false });

    scope.get(
      "/",
      {
        config: { policy },
        schema: hidden,
        // Only this page's CSP lists the import map's hash; everything else keeps helmet's default.
        helmet: {
          contentSecurityPolicy: { directives: { "script-src": ["'self'", ...(hash === undefined ? [] : [hash])] } },
        },
      },
      async (_request, reply) => reply.header("cache-control", "no-cache").type("text/html; charset=utf-8").send(html),
    );

    scope.get("/console", { config: { policy }, schema: hidden }, async (_request, reply) => reply.redirect("/", 302));

    scope.get(
      "/console/vendor/:file",
      { config: { policy }, schema: { ...hidden, params: VendorParams } },
      async (request, reply) => {
        const { file } = VendorParams.parse(request.params);
        const path = vendor.get(file);
        if (path === undefined) return reply.callNotFound();
        return reply.sendFile(path.slice(dirname(path).length + 1), dirname(path), { maxAge: 3_600_000 });
      },
    );

    scope.get("/console/*", { config: { policy }, schema: hidden }, async (request, reply) => {
      const { "*": file } = FileParams.parse(request.params);
      // `send` refuses paths leaving the root and dot files; the page itself is served at `/` only.
      if (file === "" || file === "index.html") return reply.redirect("/", 302);
      // max-age 0: the browser revalidates (ETag) so a new version shows on the next load.
      return reply.sendFile(file, dir, { maxAge: 0 });
    });
  });
}
