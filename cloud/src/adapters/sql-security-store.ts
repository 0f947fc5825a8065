import type { Role } from "../auth/role.js";
import type {
  AuditEntry,
  AuditQuery,
  NewAuditEntry,
  NewToken,
  SecurityStore,
  StoredToken,
} from "../auth/security-store.js";
import { iso, num, type SqlDriver } from "./sql-driver.js";
import { pageByCreation } from "./sql-paging.js";

interface TokenRow {
  id: string;
  secret_hash: string;
  name: string;
  role: string;
  sites: string | null;
  edge_id: string | null;
  created_at: unknown;
  created_by: string;
  revoked_at: unknown;
  revoked_by: string | null;
}

interface AuditRow {
  seq: unknown;
  at: unknown;
  actor: string;
  actor_id: string;
  role: string;
  method: string;
  route: string;
  path: string;
  status: unknown;
  site_id: string | null;
}

const TOKEN_COLUMNS = "id, secret_hash, name, role, sites, edge_id, created_at, created_by, revoked_at, revoked_by";

/** The security store on the ledger's own database (SQLite or PostgreSQL), same SQL for both. */
export class SqlSecurityStore implements SecurityStore {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  async createToken(token: NewToken): Promise<StoredToken> {
    const createdAt = new Date().toISOString();
    await this.#driver.write((tx) =>
      tx.run(
        `INSERT INTO api_tokens (id, secret_hash, name, role, sites, edge_id, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          token.id,
          token.secretHash,
          token.name,
          token.role,
          token.sites === undefined ? null : JSON.stringify(token.sites),
          token.edgeId ?? null,
          this.#driver.timestamp(createdAt),
          token.createdBy,
        ],
      ),
    );
    return {
      id: token.id,
      name: token.name,
      role: token.role,
      ...(token.sites !== undefined && { sites: [...token.sites] }),
      ...(token.edgeId !== undefined && { edgeId: token.edgeId }),
      createdAt,
      createdBy: token.createdBy,
    };
  }

  async token(id: string): Promise<{ token: StoredToken; secretHash: string } | undefined> {
    const [row] = await this.#driver.read.all<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`, [id]);
    return row === undefined ? undefined : { token: tokenOf(row), secretHash: row.secret_hash };
  }

  async tokens(query: { includeRevoked?: boolean; limit?: number; after?: string } = {}): Promise<StoredToken[]> {
    const page = pageByCreation("api_tokens", query);
    const where: string[] = [];
    if (query.includeRevoked !== true) where.push("revoked_at IS NULL");
    if (page.after) where.push(page.after.sql);
    const rows = await this.#driver.read.all<TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at, id${this.#driver.collate}${page.limit.sql}`,
      [...(page.after?.params ?? []), ...page.limit.params],
    );
    return rows.map(tokenOf);
  }

  async revokeToken(id: string, by: string): Promise<StoredToken | undefined> {
    return this.#driver.write(async (tx) => {
      await tx.run("UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL", [
        this.#driver.timestamp(new Date().toISOString()),
        by,
        id,
      ]);
      const [row] = await tx.all<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`, [id]);
      return row === undefined ? undefined : tokenOf(row);
    });
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    await this.#driver.write((tx) =>
      tx.run(
        `INSERT INTO audit_log (at, actor, actor_id, role, method, route, path, status, site_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          this.#driver.timestamp(entry.at),
          entry.actor,
          entry.actorId,
          entry.role,
          entry.method,
          entry.route,
          entry.path,
          entry.status,
          entry.siteId ?? null,
        ],
      ),
    );
  }

  async audit(query: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = ["seq > ?"];
    const params: unknown[] = [query.after ?? 0];
    if (query.actor !== undefined) {
      where.push("actor = ?");
      params.push(query.actor);
    }
    params.push(query.limit);
    const rows = await this.#driver.read.all<AuditRow>(
      `SELECT seq, at, actor, actor_id, role, method, route, path, status, site_id FROM audit_log
       WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`,
      params,
    );
    return rows.map((row) => ({
      seq: num(row.seq),
      at: iso(row.at),
      actor: row.actor,
      actorId: row.actor_id,
      role: row.role,
      method: row.method,
      route: row.route,
      path: row.path,
      status: num(row.status),
      ...(row.site_id !== null && { siteId: row.site_id }),
    }));
  }
}

function tokenOf(row: TokenRow): StoredToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    ...(row.sites !== null && { sites: JSON.parse(row.sites) as string[] }),
    ...(row.edge_id !== null && { edgeId: row.edge_id }),
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
    ...(row.revoked_at !== null && row.revoked_at !== undefined && { revokedAt: iso(row.revoked_at) }),
    ...(row.revoked_by !== null && { revokedBy: row.revoked_by }),
  };
}
