import type { Role } from "./role.js";
import type { SecurityStore, StoredToken } from "./security-store.js";
import { hashSecret, newToken } from "./token-secret.js";

export interface TokenRequest {
  name: string;
  role: Role;
  /** Undefined: every site. An edge's token names exactly its one site. */
  sites?: readonly string[] | undefined;
  /** For role `edge`: the edge it speaks for. */
  edgeId?: string | undefined;
  createdBy: string;
}

/**
 * Makes a new token and keeps its hash: the returned `token` text is the
 * only copy of the secret (show it once). Refuses an edge token without
 * exactly one site and an edge id, and an edge id on any other role.
 */
export async function issueToken(
  security: SecurityStore,
  request: TokenRequest,
): Promise<{ stored: StoredToken; token: string }> {
  if (request.role === "edge" && (request.edgeId === undefined || request.sites?.length !== 1)) {
    throw new RangeError("an edge token needs its edge id and exactly one site");
  }
  if (request.role !== "edge" && request.edgeId !== undefined) {
    throw new RangeError("only an edge token names an edge");
  }
  const { id, secret, token } = newToken();
  const stored = await security.createToken({
    id,
    secretHash: hashSecret(secret),
    name: request.name,
    role: request.role,
    sites: request.sites,
    edgeId: request.edgeId,
    createdBy: request.createdBy,
  });
  return { stored, token };
}
