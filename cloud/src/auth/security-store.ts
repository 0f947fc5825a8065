import type { Role } from "./role.js";

/** A stored API token (its secret is kept only as a hash). */
export interface StoredToken {
  id: string;
  name: string;
  role: Role;
  /** Undefined: every site. */
  sites?: string[] | undefined;
  /** For role `edge`: the edge it speaks for. */
  edgeId?: string | undefined;
  createdAt: string;
  createdBy: string;
  revokedAt?: string | undefined;
  revokedBy?: string | undefined;
}

export interface NewToken {
  id: string;
  secretHash: string;
  name: string;
  role: Role;
  sites?: readonly string[] | undefined;
  edgeId?: string | undefined;
  createdBy: string;
}

/** One write to the API, as the audit log keeps it. */
export interface AuditEntry {
  /** Increasing, the log's order. */
  seq: number;
  at: string;
  /** The principal's name and credential id. */
  actor: string;
  actorId: string;
  role: string;
  method: string;
  /** The route pattern, e.g. `/v1/tasks/:id/assign`. */
  route: string;
  /** The request's path with its parameters. */
  path: string;
  status: number;
  /** The site the write concerned, when it names one. */
  siteId?: string | undefined;
}

export type NewAuditEntry = Omit<AuditEntry, "seq">;

export interface AuditQuery {
  /** Entries after this seq (pagination). */
  after?: number;
  limit: number;
  actor?: string;
}

/**
 * Credentials and the audit log, kept in the ledger's database (so every
 * cloud instance on one PostgreSQL sees the same tokens and revocations).
 */
export interface SecurityStore {
  createToken(token: NewToken): Promise<StoredToken>;
  /** The token and its secret's hash; revoked ones included (the caller refuses them). */
  token(id: string): Promise<{ token: StoredToken; secretHash: string } | undefined>;
  /** Tokens in creation order; `after` is the id of the last one read, `limit` caps the page. */
  tokens(query?: { includeRevoked?: boolean; limit?: number; after?: string }): Promise<StoredToken[]>;
  /** Marks a token revoked; undefined when unknown, the token as it stands when it was revoked already. */
  revokeToken(id: string, by: string): Promise<StoredToken | undefined>;
  appendAudit(entry: NewAuditEntry): Promise<void>;
  audit(query: AuditQuery): Promise<AuditEntry[]>;
}
