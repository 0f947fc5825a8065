import type { Role } from "./role.js";

/**
 * Who is calling, as established from a credential (never from what a
 * request says about itself).
 */
export interface Principal {
  /** The credential's id (`env:<n>` for tokens from the environment, `anonymous`, `internal`). */
  id: string;
  /** A name for logs and the audit log. */
  name: string;
  role: Role;
  /** The sites this principal may see and act on; undefined: every site. */
  sites?: readonly string[] | undefined;
  /** For an edge credential: the one edge it speaks for (its site is `sites[0]`). */
  edgeId?: string | undefined;
}

/** The caller of an open read API in development mode (loopback only). */
export const ANONYMOUS_VIEWER: Principal = { id: "anonymous", name: "anonymous", role: "viewer" };

/** True when `principal` may act on `siteId`. */
export function principalCovers(principal: Principal, siteId: string): boolean {
  return principal.sites === undefined || principal.sites.includes(siteId);
}
