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
  {
    version: 2,
    name: "ledger-v2: append-only, serials, items, locations, expected, task lifecycle, stock alerts",
    sql: `
      -- Movements and events are append-only: a correction is a new movement (decision 0020).
      CREATE TRIGGER movements_append_only_update BEFORE UPDATE ON movements
        BEGIN SELECT RAISE(ABORT, 'TALLY_ERR_LEDGER_APPEND_ONLY: movements are append-only'); END;
      CREATE TRIGGER movements_append_only_delete BEFORE DELETE ON movements
        BEGIN SELECT RAISE(ABORT, 'TALLY_ERR_LEDGER_APPEND_ONLY: movements are append-only'); END;
      CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'TALLY_ERR_LEDGER_APPEND_ONLY: events are append-only'); END;
      CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'TALLY_ERR_LEDGER_APPEND_ONLY: events are append-only'); END;

      ALTER TABLE movements ADD COLUMN epc TEXT;
      ALTER TABLE movements ADD COLUMN sscc TEXT;
      -- History is ordered by occurredAt (a late event lands in its place), then commit order.
      DROP INDEX movements_sku;
      CREATE INDEX movements_sku_time ON movements (sku, occurred_at, seq);
      CREATE INDEX movements_epc ON movements (epc, occurred_at) WHERE epc IS NOT NULL;

      CREATE TABLE serials (
        epc TEXT PRIMARY KEY,
        sku TEXT NOT NULL,
        location TEXT,
        lot TEXT NOT NULL,
        status TEXT NOT NULL,
        last_movement_id TEXT NOT NULL,
        last_seen_at TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE items (
        sku TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        reorder_point INTEGER,
        negative_stock TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE item_gtins (gtin TEXT PRIMARY KEY, sku TEXT NOT NULL) WITHOUT ROWID;

      CREATE TABLE zones (
        site_id TEXT NOT NULL,
        zone_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        temperature_class TEXT NOT NULL,
        name TEXT,
        PRIMARY KEY (site_id, zone_id)
      ) WITHOUT ROWID;
      CREATE TABLE locations (
        code TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        zone_id TEXT NOT NULL,
        bin TEXT NOT NULL,
        name TEXT
      ) WITHOUT ROWID;

      CREATE TABLE expected (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        site_id TEXT NOT NULL,
        status TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        closed_at TEXT,
        PRIMARY KEY (kind, id)
      ) WITHOUT ROWID;
      CREATE TABLE expected_lines (
        kind TEXT NOT NULL,
        expected_id TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        sscc TEXT,
        gtin TEXT,
        lot TEXT,
        PRIMARY KEY (kind, expected_id, line_no)
      ) WITHOUT ROWID;

      ALTER TABLE tasks ADD COLUMN assignee TEXT;
      ALTER TABLE tasks ADD COLUMN outcome TEXT;
      ALTER TABLE tasks ADD COLUMN adjustment_ids TEXT;
      ALTER TABLE tasks ADD COLUMN updated_at TEXT;
      CREATE INDEX tasks_status ON tasks (status, seq);

      -- Movements recorded but not applied (negative stock refused), with the task that says so.
      CREATE TABLE held_movements (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID;
      -- Which movement a reversal reverses: each movement is reversed at most once.
      CREATE TABLE reversals (reversal_id TEXT PRIMARY KEY, reversed_id TEXT NOT NULL UNIQUE, by_whom TEXT NOT NULL)
        WITHOUT ROWID;

      ALTER TABLE alerts ADD COLUMN sku TEXT;
      ALTER TABLE alerts ADD COLUMN suggested_qty REAL;
      CREATE INDEX alerts_open_kind ON alerts (kind) WHERE status = 'open';
      CREATE INDEX telemetry_metric ON telemetry (metric, seq);
    `,
  },
  {
    version: 3,
    name: "conflicts: every refused reuse of an event id, kept for review",
    sql: `
      CREATE TABLE conflicts (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        edge_id TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        stored_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL
      );
      CREATE INDEX conflicts_event ON conflicts (event_id);
    `,
  },
  {
    version: 4,
    name: "movements hold their own body: one row per movement, not two (decision 0020)",
    sql: `
      -- From here on a movement is stored once, in movements, with its canonical body (its content hash is
      -- computed when needed); events keeps the other kinds and held movements. Older rows keep theirs in events.
      ALTER TABLE movements ADD COLUMN body TEXT;
      ALTER TABLE movements ADD COLUMN edge_id TEXT;
      ALTER TABLE movements ADD COLUMN batch_id TEXT;
      ALTER TABLE movements ADD COLUMN committed_at TEXT;
    `,
  },
  {
    version: 5,
    name: "no location indexes on movements in the embedded store (decision 0020)",
    sql: `
      -- SQLite's WAL writes whole pages: an index keyed by location dirties a page per bin a batch touches,
      -- which halved commit throughput. Location filters on movements scan in commit order here;
      -- PostgreSQL keeps both indexes.
      DROP INDEX movements_from;
      DROP INDEX movements_to;
    `,
  },
  {
    version: 6,
    name: "movements indexed by sku alone (decision 0042)",
    sql: `
      -- Every reader of movements by SKU (history, counts, the movements list) finds the SKU's rows and sorts or
      -- filters them itself; occurred_at in the key (24 bytes of text an entry) made each index page hold fewer
      -- entries and cost ~10 % of the insert. The rowid (seq) is in every SQLite index entry already.
      DROP INDEX movements_sku_time;
      CREATE INDEX movements_sku ON movements (sku);
    `,
  },
  {
    version: 7,
    name: "a commit's edge, batch and time recorded once, not on each of its movements (decision 0042)",
    sql: `
      -- One row per commit that inserted movements; each movement names it. Rows written before keep
      -- edge_id, batch_id and committed_at on the movement itself.
      CREATE TABLE commits (
        seq INTEGER PRIMARY KEY,
        edge_id TEXT NOT NULL,
        site_id TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        batch_seq INTEGER NOT NULL,
        committed_at TEXT NOT NULL
      );
      ALTER TABLE movements ADD COLUMN commit_seq INTEGER;
    `,
  },
  {
    version: 8,
    name: "API tokens (kept as hashes) and the audit log of writes",
    sql: `
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        sites TEXT,
        edge_id TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at TEXT,
        revoked_by TEXT
      ) WITHOUT ROWID;
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        role TEXT NOT NULL,
        method TEXT NOT NULL,
        route TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER NOT NULL,
        site_id TEXT
      );
    `,
  },
  {
    version: 9,
    name: "webhooks, the notification outbox, deliveries and their attempts",
    sql: `
      -- The secret stays in clear: each delivery is signed with it (HMAC). It is never listed by the API.
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        format TEXT NOT NULL,
        filters TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled_at TEXT,
        disabled_by TEXT,
        failing_since TEXT,
        failing_reported_at TEXT
      ) WITHOUT ROWID;
      -- Alert events written in the transaction of the alert change, until the notifier groups them.
      CREATE TABLE notification_outbox (
        seq INTEGER PRIMARY KEY,
        site_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        event TEXT NOT NULL
      );
      CREATE TABLE notification_deliveries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        webhook_id TEXT NOT NULL REFERENCES webhooks (id),
        site_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        events TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        next_attempt_at TEXT NOT NULL,
        claimed_by TEXT,
        claim_until TEXT,
        last_error TEXT,
        delivered_at TEXT
      );
      CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX notification_deliveries_webhook ON notification_deliveries (webhook_id, seq);
      CREATE TABLE notification_attempts (
        delivery_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        at TEXT NOT NULL,
        sent_by TEXT NOT NULL,
        status_code INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 20,
    name: "alert lifecycle: acknowledgement, occurrences, escalation, timeline, silences",
    sql: `
      ALTER TABLE alerts ADD COLUMN device_id TEXT;
      ALTER TABLE alerts ADD COLUMN edge_id TEXT;
      ALTER TABLE alerts ADD COLUMN last_raised_at TEXT;
      ALTER TABLE alerts ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
      ALTER TABLE alerts ADD COLUMN acknowledged_at TEXT;
      ALTER TABLE alerts ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
      -- When people were last told of it (raised, escalated, reminded): the clock of the next reminder.
      ALTER TABLE alerts ADD COLUMN told_at TEXT;
      -- One live alert per cause: pending, open, acknowledged or cleared (a cleared one still waits for a person).
      DROP INDEX alerts_open_key;
      CREATE UNIQUE INDEX alerts_live_key ON alerts (dedup_key) WHERE status <> 'resolved';
      DROP INDEX alerts_open_kind;
      CREATE INDEX alerts_live_kind ON alerts (kind) WHERE status <> 'resolved';
      CREATE INDEX alerts_key ON alerts (dedup_key, seq);
      CREATE INDEX alerts_status ON alerts (status, seq);

      CREATE TABLE alert_timeline (
        seq INTEGER PRIMARY KEY,
        alert_id TEXT NOT NULL,
        at TEXT NOT NULL,
        by_whom TEXT NOT NULL,
        action TEXT NOT NULL,
        note TEXT
      );
      CREATE INDEX alert_timeline_alert ON alert_timeline (alert_id, seq);

      CREATE TABLE silences (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        matchers TEXT NOT NULL,
        -- A site in maintenance: everything but critical is silenced.
        except_critical INTEGER NOT NULL DEFAULT 0,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        comment TEXT NOT NULL
      );
      CREATE INDEX silences_ends ON silences (ends_at);

      -- When the cloud last heard from each edge (any instance): the EDGE_NOT_HEARD rule reads it.
      CREATE TABLE edge_contacts (edge_id TEXT PRIMARY KEY, site_id TEXT NOT NULL, last_seen_at TEXT NOT NULL);
    `,
  },
  {
    version: 21,
    name: "telemetry leaves the ledger: the telemetry table becomes a hand-off to the telemetry store; counts",
    sql: `
      -- A row waits here, with its whole event, until the telemetry store has it; then it is deleted.
      ALTER TABLE telemetry ADD COLUMN body TEXT;
      UPDATE telemetry SET body = (SELECT e.body FROM events e WHERE e.id = telemetry.id);
      -- From now on the ledger keeps a telemetry event's id and hash (exactly-once), not its content; events
      -- are append-only, so bodies committed before stay as they are.
      DROP INDEX telemetry_metric;

      -- Cycle counts are ledger facts (a count against the stock): kept here for good.
      CREATE TABLE counts (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        site_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        location TEXT NOT NULL,
        value REAL NOT NULL,
        occurred_at TEXT NOT NULL
      );
      INSERT INTO counts (id, site_id, sku, location, value, occurred_at)
        SELECT id, site_id, substr(metric, 7), location, value, occurred_at FROM telemetry
        WHERE metric LIKE 'count:%' AND location IS NOT NULL ORDER BY seq;
      `,
  },
  {
    version: 22,
    name: "excursion records from TEMPERATURE_EXCURSION conditions (decision 0138)",
    sql: `
      -- One row per (site, device, startedAt): the id derives from them, so a resent or reordered condition
      -- updates the same row. The record as the API answers it is the body; the columns are its filters.
      CREATE TABLE excursions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        site_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        zone TEXT,
        status TEXT NOT NULL,
        -- ISO text in UTC, so text order is time order.
        started_at TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX excursions_site ON excursions (site_id, seq);
    `,
  },
  {
    version: 23,
    name: "ledger reads served by indexes at a million movements (decision 0161)",
    sql: `
      -- Reads walk an index in the order they answer and stop at their limit; each of these costs the commit an
      -- index entry a movement (measured in decision 0161). The rowid (seq) ends every entry, so (x) is (x, seq).
      -- Stock history: a SKU's latest legs by (occurred_at, id), newest first.
      CREATE INDEX movements_sku_time ON movements (sku, occurred_at, id);
      -- The movements list by site, by type, and by a location (from or to, exact or below a prefix).
      CREATE INDEX movements_site ON movements (site_id);
      CREATE INDEX movements_type ON movements (movement_type);
      CREATE INDEX movements_from ON movements (from_location) WHERE from_location IS NOT NULL;
      CREATE INDEX movements_to ON movements (to_location) WHERE to_location IS NOT NULL;
      -- Correction tasks and alerts by site and by type, in creation order: few rows a day, cheap to index.
      CREATE INDEX tasks_site ON tasks (site_id);
      CREATE INDEX tasks_type ON tasks (task_type);
      CREATE INDEX alerts_site ON alerts (site_id);
    `,
  },
  {
    version: 24,
    name: "telemetry hand-off: one row per committed batch (decision 0180)",
    sql: `
      -- A committed batch's telemetry as one JSON array, until the telemetry store has it; id: its dedupe key.
      CREATE TABLE telemetry_handoff (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        points INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      -- Rows waiting in the old table, one reading each (a body from before migration 21 rebuilt from columns).
      INSERT INTO telemetry_handoff (id, points, body)
        SELECT '1:' || id, 1, '[' || COALESCE(body, json_remove(json_object('kind', 'telemetry', 'id', id,
          'siteId', site_id, 'occurredAt', occurred_at, 'deviceId', device_id, 'metric', metric, 'value', value,
          'unit', unit, 'location', location), CASE WHEN location IS NULL THEN '$.location' ELSE '$.none' END)) || ']'
        FROM telemetry ORDER BY seq;
      DROP TABLE telemetry;
    `,
  },
  {
    version: 25,
    name: "the edge process on each commit, to find a batch another cloud instance committed (decision 0194)",
    sql: `
      -- Seqs of an edge with an outbox in memory start again at each start: a batch is (edge, process, seq). Rows
      -- written before keep null. Only rows with a process are looked up, so only they are indexed.
      ALTER TABLE commits ADD COLUMN instance_id TEXT;
      CREATE INDEX commits_batch ON commits (edge_id, instance_id, batch_seq) WHERE instance_id IS NOT NULL;
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
