import type { Database } from "better-sqlite3";

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Append only: a released migration is never edited, a change is a new version. */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "ledger",
    sql: `
      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        site_id TEXT NOT NULL,
        edge_id TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        batch_seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        body TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        committed_at TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE movements (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        site_id TEXT NOT NULL,
        movement_type TEXT NOT NULL,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        from_location TEXT,
        to_location TEXT,
        lot TEXT NOT NULL DEFAULT '',
        occurred_at TEXT NOT NULL
      );
      CREATE INDEX movements_sku ON movements (sku, seq);
      CREATE INDEX movements_from ON movements (from_location, seq);
      CREATE INDEX movements_to ON movements (to_location, seq);

      CREATE TABLE positions (
        sku TEXT NOT NULL,
        location TEXT NOT NULL,
        lot TEXT NOT NULL DEFAULT '',
        qty INTEGER NOT NULL,
        PRIMARY KEY (sku, location, lot)
      ) WITHOUT ROWID;
      CREATE INDEX positions_location ON positions (location);

      CREATE TABLE tasks (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        site_id TEXT NOT NULL,
        task_type TEXT NOT NULL,
        location TEXT NOT NULL,
        priority TEXT NOT NULL,
        status TEXT NOT NULL,
        occurred_at TEXT NOT NULL
      );

      CREATE TABLE telemetry (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        site_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        metric TEXT NOT NULL,
        value REAL NOT NULL,
        unit TEXT NOT NULL,
        location TEXT,
        occurred_at TEXT NOT NULL
      );

      CREATE TABLE alerts (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        dedup_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        site_id TEXT NOT NULL,
        location TEXT,
        message TEXT NOT NULL,
        value REAL,
        limit_value REAL,
        unit TEXT,
        raised_at TEXT NOT NULL,
        resolved_at TEXT
      );
      -- One open alert per cause, whatever the code above does.
      CREATE UNIQUE INDEX alerts_open_key ON alerts (dedup_key) WHERE status = 'open';
    `,
  },
];

/** Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction. */
export function migrateSqlite(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set(
    db
      .prepare<[], { version: number }>("SELECT version FROM schema_migrations")
      .all()
      .map((r) => r.version),
  );
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    }).immediate();
  }
}
