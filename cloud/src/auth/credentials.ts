import { timingSafeEqual } from "node:crypto";
import { safeParseUntrusted } from "@tally/protocols";
import type { Principal } from "./principal.js";
import { Role } from "./role.js";
import type { SecurityStore, StoredToken } from "./security-store.js";
import { hashSecret, parseToken, secretMatches } from "./token-secret.js";

/** How long a token read from the store is trusted before it is read again (a revocation elsewhere shows within it), ms. */
const CACHE_MS = 5000;
/** Tokens kept in the cache at most. */
const CACHE_SIZE = 10_000;

export interface CredentialsOptions {
  store: SecurityStore;
  /** Tokens from the environment (`TALLY_API_TOKENS`): their secrets are hashed at once and not kept. */
  bootstrap?: readonly BootstrapToken[];
  now?: () => number;
}

/** A token given in the environment: `role:secret` or `role@SITE:secret`. */
export interface BootstrapToken {
  role: Role;
  secret: string;
  sites?: string[] | undefined;
  edgeId?: string | undefined;
}

/**
 * Turns a presented secret into a principal: tokens made through the API
 * or CLI (kept hashed in the store), tokens from the environment, and the
 * cloud's own internal credentials (its ingest client on its embedded
 * broker). Every comparison is constant-time; an unknown, malformed or
 * revoked token is simply not a principal.
 */
export class Credentials {
  readonly #store: SecurityStore;
  readonly #bootstrap: { hash: Buffer; principal: Principal }[];
  readonly #internal: { hash: Buffer; principal: Principal }[] = [];
  readonly #cache = new Map<string, { at: number; token: StoredToken; secretHash: string } | { at: number }>();
  readonly #now: () => number;
  #edges: { at: number; keys: Set<string> } | undefined;

  constructor(options: CredentialsOptions) {
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#bootstrap = (options.bootstrap ?? []).map((token, index) => ({
      hash: Buffer.from(hashSecret(token.secret), "hex"),
      principal: {
        id: `env:${index + 1}`,
        name: `env-${token.role}-${index + 1}`,
        role: token.role,
        ...(token.sites !== undefined && { sites: token.sites }),
        ...(token.edgeId !== undefined && { edgeId: token.edgeId }),
      },
    }));
  }

  /** Whether any person's token exists in the environment (the store may hold more). */
  get hasBootstrapTokens(): boolean {
    return this.#bootstrap.length > 0;
  }

  /**
   * Registers a secret made in this process and never stored (the cloud's
   * own ingest client; the edge `tally up` runs beside it): it lives as long
   * as the process.
   */
  addInternal(secret: string, principal: Principal): void {
    this.#internal.push({ hash: Buffer.from(hashSecret(secret), "hex"), principal });
    this.#edges = undefined;
  }

  /** The principal a secret stands for, or undefined. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    if (secret.length === 0 || secret.length > 512) return undefined;
    const parsed = parseToken(secret);
    if (parsed !== undefined) return this.#fromStore(parsed.id, parsed.secret);
    const given = Buffer.from(hashSecret(secret), "hex");
    // Every entry is compared, so the time taken does not say which one matched.
    let found: Principal | undefined;
    for (const entry of [...this.#internal, ...this.#bootstrap]) {
      if (timingSafeEqual(given, entry.hash) && found === undefined) found = entry.principal;
    }
    return found;
  }

  /**
   * Whether an edge of a site has a live credential (from the store or the
   * environment): what the cloud checks of a batch topic on an external
   * broker, whose ACL binds the topic to the credential that published.
   */
  async knowsEdge(siteId: string, edgeId: string): Promise<boolean> {
    const now = this.#now();
    if (this.#edges === undefined || now - this.#edges.at > CACHE_MS) {
      const keys = new Set<string>();
      for (const token of await this.#store.tokens()) {
        if (token.role === "edge" && token.edgeId !== undefined) keys.add(`${token.sites?.[0] ?? ""}/${token.edgeId}`);
      }
      for (const { principal } of [...this.#bootstrap, ...this.#internal]) {
        if (principal.role === "edge" && principal.edgeId !== undefined) {
          keys.add(`${principal.sites?.[0] ?? ""}/${principal.edgeId}`);
        }
      }
      this.#edges = { at: now, keys };
    }
    return this.#edges.keys.has(`${siteId}/${edgeId}`);
  }

  /** Forgets a cached token at once (after this instance revoked it). */
  forget(id: string): void {
    this.#cache.delete(id);
    this.#edges = undefined;
  }

  async #fromStore(id: string, secret: string): Promise<Principal | undefined> {
    const now = this.#now();
    let cached = this.#cache.get(id);
    if (cached === undefined || now - cached.at > CACHE_MS) {
      const stored = await this.#store.token(id);
      cached = stored === undefined ? { at: now } : { at: now, ...stored };
      if (this.#cache.size >= CACHE_SIZE) this.#cache.clear();
      this.#cache.set(id, cached);
    }
    if (!("token" in cached)) return undefined;
    const { token, secretHash } = cached;
    if (token.revokedAt !== undefined || !secretMatches(secret, secretHash)) return undefined;
    return {
      id: token.id,
      name: token.name,
      role: token.role,
      ...(token.sites !== undefined && { sites: token.sites }),
      ...(token.edgeId !== undefined && { edgeId: token.edgeId }),
    };
  }
}

/**
 * Parses `TALLY_API_TOKENS`: comma-separated `role:secret`, `role@SITE:secret`
 * (a person scoped to one site) or `edge@SITE/EDGE:secret` (an edge's
 * credential). Throws naming the entry's position on anything else.
 */
export function parseBootstrapTokens(text: string): BootstrapToken[] {
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  return entries.map((entry, index) => {
    const colon = entry.indexOf(":");
    const secret = colon < 0 ? "" : entry.slice(colon + 1);
    const [roleText = "", scope] = entry.slice(0, Math.max(colon, 0)).split("@");
    const role = safeParseUntrusted(Role, roleText);
    const problem = (why: string) =>
      new Error(
        `TALLY_API_TOKENS entry ${index + 1}: ${why} (expected role:secret, role@SITE:secret or edge@SITE/EDGE:secret)`,
      );
    if (!role.success) throw problem(`unknown role ${JSON.stringify(roleText)}`);
    if (secret.length < 16) throw problem("the secret must be at least 16 characters");
    if (role.data === "edge") {
      const [site, edge] = (scope ?? "").split("/");
      if (site === undefined || edge === undefined || !SEGMENT.test(site) || !SEGMENT.test(edge)) {
        throw problem("an edge token names its site and edge");
      }
      return { role: role.data, secret, sites: [site], edgeId: edge };
    }
    if (scope !== undefined && !SEGMENT.test(scope)) throw problem(`bad site ${JSON.stringify(scope)}`);
    return { role: role.data, secret, ...(scope !== undefined && { sites: [scope] }) };
  });
}

const SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;
