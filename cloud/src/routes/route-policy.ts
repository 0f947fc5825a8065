import { LedgerErrorCode } from "@tally/protocols";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { principalCovers } from "../auth/principal.js";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "../ledger/ledger-store.js";
import { ProblemError } from "../plugins/problem-details.js";

/** The site named by the query string's `siteId` (read before validation: only a string counts). */
export function querySite(request: FastifyRequest): string | undefined {
  const { siteId } = (request.query ?? {}) as { siteId?: unknown };
  return typeof siteId === "string" ? siteId : undefined;
}

/** The site named by the path's `:siteId`. */
export function paramSite(request: FastifyRequest): string | undefined {
  const { siteId } = (request.params ?? {}) as { siteId?: unknown };
  return typeof siteId === "string" ? siteId : undefined;
}

/**
 * For routes whose policy leaves the site to the handler: refuses (403) a
 * principal that does not cover the site of what the request touches.
 */
export function assertCovers(request: FastifyRequest, siteId: string): void {
  const principal = request.principal;
  if (principal !== undefined && !principalCovers(principal, siteId)) {
    throw new ProblemError(
      403,
      LedgerErrorCode.AuthForbidden,
      "Forbidden",
      `the credential does not cover site ${siteId}`,
    );
  }
}

/**
 * For list routes: the site the query names, else the principal's only site
 * (a one-site credential need not repeat it); undefined: every site. The
 * handler filters by `request.policySite`, which the auth hook sets from this.
 */
export function listSite(request: FastifyRequest): string | undefined {
  const sites = request.principal?.sites;
  return querySite(request) ?? (sites?.length === 1 ? sites[0] : undefined);
}

/** `limit` of a list route: default 100, at most 1000. */
export const PageLimit = z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT);

export const SiteId = z.string().min(1).max(64);
