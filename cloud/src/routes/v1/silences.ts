import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { Silence, SilenceMatchers } from "../../alerts/noise.js";
import { actorOf } from "../../plugins/authenticate.js";
import { notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { assertCovers, paramSite } from "../route-policy.js";

/** At most a week: a longer silence is a policy change, not a silence. */
const Minutes = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60);
const Comment = z.string().trim().min(1).max(500);

/** Silences (mute matching alerts for a while, saying why) and a site's maintenance window. */
export const silencesRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/silences",
    {
      config: { policy: { roles: ["viewer"], site: "none" } },
      schema: {
        summary: "Silences and maintenance windows in force now (all of them with `all=true`)",
        querystring: z.object({ all: z.enum(["true", "false"]).optional() }),
        response: { 200: z.object({ silences: z.array(Silence) }) },
      },
    },
    async (request) => {
      const all = await store.alerting.silences(request.query.all === "true" ? undefined : new Date().toISOString());
      // A person held to some sites sees the silences of those sites only (a silence of every site names none).
      const sites = request.principal?.sites;
      return {
        silences:
          sites === undefined
            ? all
            : all.filter((s) => s.matchers.siteId !== undefined && sites.includes(s.matchers.siteId)),
      };
    },
  );

  app.post(
    "/silences",
    {
      config: { policy: { roles: ["supervisor"], site: "handler" } },
      schema: {
        summary: "Mute the alerts that match (site, kind, location, device) for some minutes, saying why (supervisor)",
        body: z.object({ matchers: SilenceMatchers, minutes: Minutes, comment: Comment }).strict(),
        response: { 201: z.object({ silence: Silence }) },
      },
    },
    async (request, reply) => {
      const { matchers, minutes, comment } = request.body;
      // A person held to some sites silences within them only.
      if (request.principal?.sites !== undefined || matchers.siteId !== undefined) {
        assertCovers(request, matchers.siteId ?? "");
      }
      const now = Date.now();
      const silence = await store.alerting.addSilence({
        matchers,
        exceptCritical: false,
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + minutes * 60_000).toISOString(),
        createdBy: actorOf(request),
        comment,
      });
      reply.code(201);
      return { silence };
    },
  );

  app.delete(
    "/silences/:id",
    {
      config: { policy: { roles: ["supervisor"], site: "handler" } },
      schema: {
        summary: "End a silence or maintenance window now (supervisor of its site)",
        params: z.object({ id: z.string().min(1).max(64) }),
      },
    },
    async (request, reply) => {
      const now = new Date().toISOString();
      const silence = (await store.alerting.silences(now)).find((s) => s.id === request.params.id);
      if (silence === undefined) throw notFound(`no silence ${request.params.id} in force`);
      // A silence of every site (no site matcher) is ended by a person of every site only.
      if (request.principal?.sites !== undefined || silence.matchers.siteId !== undefined) {
        assertCovers(request, silence.matchers.siteId ?? "");
      }
      const ended = await store.alerting.expireSilence(request.params.id, now);
      if (!ended) throw notFound(`no silence ${request.params.id} in force`);
      reply.code(204);
    },
  );

  app.post(
    "/sites/:siteId/maintenance",
    {
      config: { policy: { roles: ["supervisor"], site: paramSite } },
      schema: {
        summary: "Put a site in maintenance for some minutes: every alert but critical is muted (supervisor)",
        params: z.object({ siteId: z.string().min(1).max(32) }),
        body: z.object({ minutes: Minutes, comment: Comment }).strict(),
        response: { 201: z.object({ silence: Silence }) },
      },
    },
    async (request, reply) => {
      const now = Date.now();
      const silence = await store.alerting.addSilence({
        matchers: { siteId: request.params.siteId },
        exceptCritical: true,
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + request.body.minutes * 60_000).toISOString(),
        createdBy: actorOf(request),
        comment: request.body.comment,
      });
      reply.code(201);
      return { silence };
    },
  );
};
