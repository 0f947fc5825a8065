import type { Role } from "./role.js";
import type { SecurityStore, StoredToken } from "./security-store.js";
import { hashSecret, newToken } from "./token-secret.js";

/** What a new token is for. */
export interface TokenRequest {
  name: string;
  role: Role;
  /** Limits the token to these sites; none: every site. */
  sites?: readonly string[] | undefined;
  /** For role `edge`: the edge it speaks for. */
  edgeId?: string | undefined;
  /** Who creates it (a principal's name, or `cli:<user>`). */
  createdBy: string;
}

export type IssueResult = { ok: true; token: StoredToken; text: string } | { ok: false; reason: string };

/**
 * Creates a token: an edge's names exactly one site and its edge id (that is
 * where its identity comes from); a person's names no edge. Only the hash of
 * the secret is stored; `text` is shown to the caller once.
 */
export async function issueToken(store: SecurityStore, request: TokenRequest): Promise<IssueResult> {
  if (request.role === "edge" && (request.sites?.length !== 1 || request.edgeId === undefined)) {
    return { ok: false, reason: "an edge token names exactly one site and its edge id" };
  }
  if (request.role !== "edge" && request.edgeId !== undefined) {
    return { ok: false, reason: "only an edge token names an edge id" };
  }
  const { id, secret, token } = newToken();
  const stored = await store.createToken({
    id,
    secretHash: hashSecret(secret),
    name: request.name,
    role: request.role,
    ...(request.sites !== undefined && { sites: [...new Set(request.sites)] }),
    ...(request.edgeId !== undefined && { edgeId: request.edgeId }),
    createdBy: request.createdBy,
  });
  return { ok: true, token: stored, text: token };
}
