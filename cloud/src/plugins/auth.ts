import { LedgerErrorCode } from "@tally/protocols";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { ProblemError } from "./problem-details.js";

export const Role = z.enum(["admin", "supervisor", "edge"]);
export type Role = z.infer<typeof Role>;

/** Bearer tokens and the role each grants (`TALLY_API_TOKENS`). Empty: the API is open (development). */
export type ApiTokens = ReadonlyMap<string, Role>;

declare module "fastify" {
  interface FastifyRequest {
    /** Who made the request: the token's role, or "anonymous" when the API is open. */
    caller?: string;
  }
}

/**
 * Parses `admin:secret1,supervisor:secret2,edge:secret3` into token → role.
 * Throws on an unknown role or an empty secret.
 */
export function parseApiTokens(text: string): Map<string, Role> {
  const tokens = new Map<string, Role>();
  for (const entry of text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "")) {
    const colon = entry.indexOf(":");
    const role = Role.safeParse(entry.slice(0, Math.max(colon, 0)));
    const secret = entry.slice(colon + 1);
    if (colon < 0 || secret === "" || !role.success) {
      throw new Error("TALLY_API_TOKENS: expected role:secret entries with role admin, supervisor or edge");
    }
    tokens.set(secret, role.data);
  }
  return tokens;
}

/**
 * A preHandler admitting callers with one of `roles` (admin always).
 * Without configured tokens every caller is admitted as "anonymous".
 * Missing or unknown token: 401; known token, wrong role: 403.
 */
export function requireRole(tokens: ApiTokens, ...roles: Role[]) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (tokens.size === 0) {
      request.caller = "anonymous";
      return;
    }
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const role = match?.[1] === undefined ? undefined : tokens.get(match[1]);
    if (role === undefined) {
      reply.header("www-authenticate", 'Bearer realm="tally"');
      throw new ProblemError(401, LedgerErrorCode.AuthRequired, "Unauthorized", "a valid bearer token is required");
    }
    if (role !== "admin" && !roles.includes(role)) {
      throw new ProblemError(
        403,
        LedgerErrorCode.AuthForbidden,
        "Forbidden",
        `this needs the role ${["admin", ...roles].join(" or ")}; the token has ${role}`,
      );
    }
    request.caller = role;
  };
}
