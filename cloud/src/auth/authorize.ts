import { type Principal, principalCovers } from "./principal.js";
import { type Role, roleAllows } from "./role.js";

/**
 * Which site a request concerns, as far as the authorization check can tell
 * before the handler runs:
 * - a site id: the principal must cover it;
 * - `undefined` from a route that filters by site: a site-scoped principal
 *   must name one of its sites;
 * - `"all"`: the route reads or changes every site's data (a site-scoped
 *   principal is refused);
 * - `"none"`: the data belongs to no site (the item master);
 * - `"handler"`: the handler compares the site it finds in the body or the
 *   record with the principal (`principalCovers`).
 */
export type SiteScope = string | undefined | "all" | "none" | "handler";

export type Decision = { ok: true } | { ok: false; reason: "role" | "site"; detail: string };

/** Whether `principal` may call a route needing one of `roles` about `site`. Pure. */
export function authorize(principal: Principal, roles: readonly Role[], site: SiteScope): Decision {
  if (!roleAllows(principal.role, roles)) {
    return {
      ok: false,
      reason: "role",
      detail: `this needs the role ${roles.join(" or ")} (or a higher one); the credential has ${principal.role}`,
    };
  }
  if (principal.sites === undefined || site === "none" || site === "handler") return { ok: true };
  const scoped = principal.sites.join(", ");
  if (site === "all") {
    return { ok: false, reason: "site", detail: `this concerns every site; the credential is limited to ${scoped}` };
  }
  if (site === undefined) {
    return { ok: false, reason: "site", detail: `the credential is limited to ${scoped}: name one (siteId)` };
  }
  return principalCovers(principal, site)
    ? { ok: true }
    : { ok: false, reason: "site", detail: `the credential does not cover site ${site}` };
}
