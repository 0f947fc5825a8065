import { LedgerErrorCode } from "@tally/protocols";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { authorize, type SiteScope } from "../auth/authorize.js";
import type { Credentials } from "../auth/credentials.js";
import type { FailureThrottle } from "../auth/failure-throttle.js";
import { ANONYMOUS_VIEWER, type Principal } from "../auth/principal.js";
import type { Role } from "../auth/role.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import type { SecurityObserver } from "./metrics.js";
import { ProblemError } from "./problem-details.js";

/**
 * Who may call a route. Every route declares one in `config.policy`; the app
 * refuses to start with a route that has none.
 * - `{ public: true }`: anyone (`/healthz`, `/docs`).
 * - `{ roles, site }`: a principal holding one of `roles` (or a higher
 *   person's role), and covering the site `site` names (see `SiteScope`; a
 *   function reads it from the path or query before the body is parsed).
 *   `audit: false` keeps a write out of the audit log (ingest: the ledger's
 *   commits table records every batch).
 */
export type RoutePolicy =
  | { public: true }
  | {
      roles: readonly Role[];
      site: "all" | "none" | "handler" | ((request: FastifyRequest) => string | undefined);
      audit?: false;
    };

/** development: anonymous reads from the loopback; production: every non-public route needs a credential. */
export type ApiMode = "development" | "production";

declare module "fastify" {
  interface FastifyRequest {
    /** Who is calling, from the credential (or ANONYMOUS_VIEWER for an open read in development). */
    principal?: Principal;
    /** The site the request concerns, as the route's policy named it (for the audit log). */
    policySite?: string;
  }
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
}

export interface AuthOptions {
  credentials: Credentials;
  mode: ApiMode;
  throttle: FailureThrottle;
  store: LedgerStore;
  observer?: SecurityObserver | undefined;
}

const READS = new Set(["GET", "HEAD"]);

/** True for 127.0.0.0/8 and ::1 (also as IPv4-mapped IPv6). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Authentication and authorization for every route, on the root instance
 * before any route is registered: an `onRoute` check that each route has a
 * policy, an `onRequest` hook (before the body is read or validated: an
 * unauthenticated caller never learns what a valid body looks like) and an
 * `onResponse` hook writing each write's outcome to the audit log.
 */
export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  const { credentials, mode, throttle, observer, store } = options;

  app.addHook("onRoute", (route) => {
    const policy = route.config?.policy;
    if (policy === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no access policy (config.policy)`);
    }
    // The OpenAPI document says who may call each operation: OpenAPI 3.1 lets a bearer requirement list role names.
    route.schema = { ...route.schema, security: "public" in policy ? [] : [{ bearer: [...policy.roles] }] };
  });

  const unauthorized = (request: FastifyRequest, reason: "missing" | "unknown", detail: string): ProblemError => {
    observer?.refused(reason);
    request.log.info({ ip: request.ip, reason }, "authentication refused");
    return new ProblemError(401, LedgerErrorCode.AuthRequired, "Unauthorized", detail);
  };

  app.addHook("onRequest", async (request, reply) => {
    const policy = request.routeOptions.config.policy;
    if (request.is404 || policy === undefined || "public" in policy) return;
    const header = request.headers.authorization;
    let principal: Principal | undefined;
    if (header === undefined) {
      if (mode === "development" && READS.has(request.method) && isLoopback(request.socket.remoteAddress)) {
        principal = ANONYMOUS_VIEWER;
      } else {
        reply.header("www-authenticate", 'Bearer realm="tally"');
        throw unauthorized(request, "missing", "a bearer token is required (Authorization: Bearer <token>)");
      }
    } else {
      const blockedMs = throttle.blockedFor(request.ip);
      if (blockedMs > 0) {
        observer?.refused("throttled");
        reply.header("retry-after", String(Math.ceil(blockedMs / 1000)));
        throw new ProblemError(
          429,
          LedgerErrorCode.AuthThrottled,
          "Too Many Requests",
          "too many failed authentications from this address; try again later",
        );
      }
      const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
      principal = match?.[1] === undefined ? undefined : await credentials.authenticate(match[1]);
      if (principal === undefined) {
        if (throttle.fail(request.ip)) request.log.warn({ ip: request.ip }, "authentication throttled for a while");
        reply.header("www-authenticate", 'Bearer realm="tally", error="invalid_token"');
        throw unauthorized(request, "unknown", "the bearer token is not valid (unknown, malformed or revoked)");
      }
    }
    request.principal = principal;
    let site: SiteScope;
    if (typeof policy.site === "function") {
      site = policy.site(request);
      if (site !== undefined) request.policySite = site;
    } else site = policy.site;
    const decision = authorize(principal, policy.roles, site);
    if (!decision.ok) {
      observer?.refused(decision.reason);
      throw new ProblemError(403, LedgerErrorCode.AuthForbidden, "Forbidden", decision.detail);
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    const policy = request.routeOptions.config.policy;
    const principal = request.principal;
    if (policy === undefined || "public" in policy || policy.audit === false || READS.has(request.method)) return;
    // A caller with no valid credential is counted in the metrics, not written to the log it could flood.
    if (principal === undefined) return;
    const path = request.url.split("?")[0] ?? request.url;
    await store.security
      .appendAudit({
        at: new Date().toISOString(),
        actor: principal.name,
        actorId: principal.id,
        role: principal.role,
        method: request.method,
        route: request.routeOptions.url ?? path,
        path: path.slice(0, 500),
        status: reply.statusCode,
        ...(request.policySite !== undefined && { siteId: request.policySite }),
      })
      .catch((error: unknown) => request.log.error({ err: error }, "could not write the audit log"));
  });
}

/** The principal's name for what a write records (`by`), after the policy admitted it. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.name ?? "anonymous";
}
