import { ErrorCode } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { issueToken } from "../../auth/issue-token.js";
import { Role } from "../../auth/role.js";
import { actorOf, type RoutePolicy } from "../../plugins/authenticate.js";
import { notFound, ProblemError } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { PageLimit } from "../route-policy.js";

const Segment = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/);

/** A token as listed: never its secret or the secret's hash. */
const TokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  sites: z.array(z.string()).optional(),
  edgeId: z.string().optional(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
});

/** API tokens (admin of every site): create (the token text is answered once), list, revoke. */
export const tokensRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, credentials }) => {
  const admin: RoutePolicy = { roles: ["admin"], site: "all" };

  app.post(
    "/tokens",
    {
      config: { policy: admin },
      schema: {
        summary: "Create an API token (admin); the answer's `token` is shown once and never again",
        body: z
          .object({
            name: z.string().min(1).max(100),
            role: Role,
            sites: z.array(Segment).min(1).max(100).optional(),
            edgeId: Segment.optional(),
          })
          .strict(),
        response: { 201: z.object({ token: z.string(), info: TokenInfo }) },
      },
    },
    async (request, reply) => {
      const issued = await issueToken(store.security, { ...request.body, createdBy: actorOf(request) });
      if (!issued.ok) throw new ProblemError(400, ErrorCode.MessageSchema, "Bad Request", issued.reason);
      reply.code(201);
      return { token: issued.text, info: issued.token };
    },
  );

  app.get(
    "/tokens",
    {
      config: { policy: admin },
      schema: {
        summary: "API tokens in creation order, a page at a time (never their secrets)",
        querystring: z.object({
          includeRevoked: z.enum(["true", "false"]).optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page (a token id). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ tokens: z.array(TokenInfo), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { includeRevoked, limit, after } = request.query;
      const found = await store.security.tokens({
        includeRevoked: includeRevoked === "true",
        limit: limit + 1,
        ...(after !== undefined && { after }),
      });
      const tokens = found.slice(0, limit);
      const last = tokens.at(-1)?.id;
      return { tokens, ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );

  app.delete(
    "/tokens/:id",
    {
      config: { policy: admin },
      schema: {
        summary: "Revoke an API token (admin); other cloud instances stop accepting it within 5 s",
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: z.object({ info: TokenInfo }) },
      },
    },
    async (request) => {
      const revoked = await store.security.revokeToken(request.params.id, actorOf(request));
      if (revoked === undefined) throw notFound(`no token ${request.params.id}`);
      credentials.forget(revoked.id);
      return { info: revoked };
    },
  );
};
