import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteDeps } from "../route-deps.js";
import { listSite, SiteId } from "../route-policy.js";

/** Tells the browser how long to wait before reconnecting, ms. */
const RETRY_MS = 3000;
/** A comment line now and then keeps proxies from closing an idle stream, ms. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /alerts/stream`: Server-Sent Events, one `event: alert` per alert
 * change after its commit. Streams end on client disconnect and when the
 * server closes (preClose), so `close()` never waits on them.
 */
export const alertsStreamRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { alerts }) => {
  const streams = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const end of [...streams]) end();
  });

  app.get(
    "/alerts/stream",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "Alert changes as Server-Sent Events (text/event-stream), of one site with `siteId`",
        querystring: z.object({ siteId: SiteId.optional() }),
      },
    },
    (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      });
      res.write(`retry: ${RETRY_MS}\n: connected\n\n`);
      const siteId = request.policySite;
      const unsubscribe = alerts.subscribe((alert) => {
        if (siteId !== undefined && alert.siteId !== siteId) return;
        res.write(`event: alert\ndata: ${JSON.stringify(alert)}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(": ping\n\n"), HEARTBEAT_MS);
      heartbeat.unref();
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(end);
        res.end();
      };
      streams.add(end);
      request.raw.on("close", end);
      res.on("close", end);
    },
  );
};
