import type { Pool } from "pg";

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
        id text PRIMARY KEY,
        kind text NOT NULL,
        site_id text NOT NULL,
        edge_id text NOT NULL,
        batch_id text NOT NULL,
        batch_seq bigint NOT NULL,
        hash text NOT NULL,
        body jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        committed_at timestamptz NOT NULL
      );

      CREATE TABLE movements (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        site_id text NOT NULL,
        movement_type text NOT NULL,
        sku text NOT NULL,
        qty integer NOT NULL,
        from_location text,
        to_location text,
        lot text NOT NULL DEFAULT '',
        occurred_at timestamptz NOT NULL
      );
      CREATE INDEX movements_sku ON movements (sku, seq);
      CREATE INDEX movements_from ON movements (from_location, seq);
      CREATE INDEX movements_to ON movements (to_location, seq);

      CREATE TABLE positions (
        sku text NOT NULL,
        location text NOT NULL,
        lot text NOT NULL DEFAULT '',
        qty bigint NOT NULL,
        PRIMARY KEY (sku, location, lot)
      );
      CREATE INDEX positions_location ON positions (location text_pattern_ops);

      CREATE TABLE tasks (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        site_id text NOT NULL,
        task_type text NOT NULL,
        location text NOT NULL,
        priority text NOT NULL,
        status text NOT NULL,
        occurred_at timestamptz NOT NULL
      );

      CREATE TABLE telemetry (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        site_id text NOT NULL,
        device_id text NOT NULL,
        metric text NOT NULL,
        value double precision NOT NULL,
        unit text NOT NULL,
        location text,
        occurred_at timestamptz NOT NULL
      );

      CREATE TABLE alerts (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        dedup_key text NOT NULL,
        kind text NOT NULL,
        severity text NOT NULL,
        status text NOT NULL,
        site_id text NOT NULL,
        location text,
        message text NOT NULL,
        value double precision,
        limit_value double precision,
        unit text,
        raised_at text NOT NULL,
        resolved_at text
      );
      -- One open alert per cause, whatever the code above does.
      CREATE UNIQUE INDEX alerts_open_key ON alerts (dedup_key) WHERE status = 'open';
    `,
  },
  {
    version: 2,
    name: "ledger-v2: append-only, serials, items, locations, expected, task lifecycle, stock alerts",
    sql: `
      -- Movements and events are append-only, for every role including the owner (decision 0020).
      CREATE FUNCTION tally_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'TALLY_ERR_LEDGER_APPEND_ONLY: % is append-only', TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER movements_append_only BEFORE UPDATE OR DELETE ON movements
        FOR EACH ROW EXECUTE FUNCTION tally_append_only();
      CREATE TRIGGER movements_append_only_truncate BEFORE TRUNCATE ON movements
        FOR EACH STATEMENT EXECUTE FUNCTION tally_append_only();
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION tally_append_only();
      CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION tally_append_only();
      -- And no privilege for anyone else: a deployment's application role gets INSERT and SELECT only.
      REVOKE UPDATE, DELETE, TRUNCATE ON movements, events FROM PUBLIC;

      ALTER TABLE movements ADD COLUMN epc text;
      ALTER TABLE movements ADD COLUMN sscc text;
      DROP INDEX movements_sku;
      CREATE INDEX movements_sku_time ON movements (sku, occurred_at, seq);
      CREATE INDEX movements_epc ON movements (epc, occurred_at) WHERE epc IS NOT NULL;

      CREATE TABLE serials (
        epc text PRIMARY KEY,
        sku text NOT NULL,
        location text,
        lot text NOT NULL,
        status text NOT NULL,
        last_movement_id text NOT NULL,
        last_seen_at timestamptz NOT NULL
      );

      CREATE TABLE items (
        sku text PRIMARY KEY,
        body jsonb NOT NULL,
        reorder_point integer,
        negative_stock text NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE item_gtins (gtin text PRIMARY KEY, sku text NOT NULL);

      CREATE TABLE zones (
        site_id text NOT NULL,
        zone_id text NOT NULL,
        kind text NOT NULL,
        temperature_class text NOT NULL,
        name text,
        PRIMARY KEY (site_id, zone_id)
      );
      CREATE TABLE locations (
        code text PRIMARY KEY,
        site_id text NOT NULL,
        zone_id text NOT NULL,
        bin text NOT NULL,
        name text
      );

      CREATE TABLE expected (
        kind text NOT NULL,
        id text NOT NULL,
        site_id text NOT NULL,
        status text NOT NULL,
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        closed_at timestamptz,
        PRIMARY KEY (kind, id)
      );
      CREATE TABLE expected_lines (
        kind text NOT NULL,
        expected_id text NOT NULL,
        line_no integer NOT NULL,
        sku text NOT NULL,
        qty integer NOT NULL,
        sscc text,
        gtin text,
        lot text,
        PRIMARY KEY (kind, expected_id, line_no)
      );

      ALTER TABLE tasks ADD COLUMN assignee text;
      ALTER TABLE tasks ADD COLUMN outcome jsonb;
      ALTER TABLE tasks ADD COLUMN adjustment_ids jsonb;
      ALTER TABLE tasks ADD COLUMN updated_at timestamptz;
      CREATE INDEX tasks_status ON tasks (status, seq);

      CREATE TABLE held_movements (id text PRIMARY KEY, task_id text NOT NULL, reason text NOT NULL);
      CREATE TABLE reversals (reversal_id text PRIMARY KEY, reversed_id text NOT NULL UNIQUE, by_whom text NOT NULL);

      ALTER TABLE alerts ADD COLUMN sku text;
      ALTER TABLE alerts ADD COLUMN suggested_qty double precision;
      CREATE INDEX alerts_open_kind ON alerts (kind) WHERE status = 'open';
      CREATE INDEX telemetry_metric ON telemetry (metric, seq);
    `,
  },
  {
    version: 3,
    name: "conflicts: every refused reuse of an event id, kept for review",
    sql: `
      CREATE TABLE conflicts (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id text NOT NULL,
        edge_id text NOT NULL,
        batch_id text NOT NULL,
        stored_hash text NOT NULL,
        hash text NOT NULL,
        body jsonb NOT NULL,
        received_at timestamptz NOT NULL
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
      ALTER TABLE movements ADD COLUMN body jsonb;
      ALTER TABLE movements ADD COLUMN edge_id text;
      ALTER TABLE movements ADD COLUMN batch_id text;
      ALTER TABLE movements ADD COLUMN committed_at timestamptz;
    `,
  },
  {
    version: 5,
    name: "movements indexed by id, seq, sku and epc only (decision 0042)",
    sql: `
      -- The location indexes were a third of the movement insert's time and serve one filter
      -- (GET /v1/movements?location=), which now walks movements in commit order as it does on SQLite (migration 5
      -- there). Readers by SKU find the SKU's rows and order them themselves; (sku, seq) serves the movements list.
      DROP INDEX movements_from;
      DROP INDEX movements_to;
      DROP INDEX movements_sku_time;
      CREATE INDEX movements_sku ON movements (sku, seq);
    `,
  },
  {
    version: 6,
    name: "a commit's edge, batch and time recorded once, not on each of its movements (decision 0042)",
    sql: `
      -- One row per commit that inserted movements; each movement names it. Rows written before keep
      -- edge_id, batch_id and committed_at on the movement itself.
      CREATE TABLE commits (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        edge_id text NOT NULL,
        site_id text NOT NULL,
        batch_id text NOT NULL,
        batch_seq bigint NOT NULL,
        committed_at timestamptz NOT NULL
      );
      ALTER TABLE movements ADD COLUMN commit_seq bigint;
    `,
  },
  {
    version: 8,
    name: "API tokens (kept as hashes) and the audit log of writes",
    sql: `
      CREATE TABLE api_tokens (
        id text PRIMARY KEY,
        secret_hash text NOT NULL,
        name text NOT NULL,
        role text NOT NULL,
        sites text,
        edge_id text,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        revoked_at timestamptz,
        revoked_by text
      );
      CREATE TABLE audit_log (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        actor_id text NOT NULL,
        role text NOT NULL,
        method text NOT NULL,
        route text NOT NULL,
        path text NOT NULL,
        status integer NOT NULL,
        site_id text
      );
    `,
  },
  {
    version: 9,
    name: "webhooks, the notification outbox, deliveries and their attempts",
    sql: `
      -- The secret stays in clear: each delivery is signed with it (HMAC). It is never listed by the API.
      CREATE TABLE webhooks (
        id text PRIMARY KEY,
        name text NOT NULL,
        url text NOT NULL,
        secret text NOT NULL,
        format text NOT NULL,
        filters jsonb NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        disabled_at timestamptz,
        disabled_by text,
        failing_since timestamptz,
        failing_reported_at timestamptz
      );
      -- Alert events written in the transaction of the alert change, until the notifier groups them.
      CREATE TABLE notification_outbox (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id text NOT NULL,
        kind text NOT NULL,
        event jsonb NOT NULL
      );
      CREATE TABLE notification_deliveries (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        webhook_id text NOT NULL REFERENCES webhooks (id),
        site_id text NOT NULL,
        kind text NOT NULL,
        events jsonb NOT NULL,
        body text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        claimed_by text,
        claim_until timestamptz,
        last_error text,
        delivered_at timestamptz
      );
      CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX notification_deliveries_webhook ON notification_deliveries (webhook_id, seq);
      CREATE TABLE notification_attempts (
        delivery_id text NOT NULL,
        attempt integer NOT NULL,
        at timestamptz NOT NULL,
        sent_by text NOT NULL,
        status_code integer,
        error text,
        duration_ms integer NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
      );
    `,
  },
  {
    version: 20,
    name: "alert lifecycle: acknowledgement, occurrences, escalation, timeline, silences",
    sql: `
      ALTER TABLE alerts ADD COLUMN device_id text;
      ALTER TABLE alerts ADD COLUMN edge_id text;
      ALTER TABLE alerts ADD COLUMN last_raised_at text;
      ALTER TABLE alerts ADD COLUMN occurrences integer NOT NULL DEFAULT 1;
      ALTER TABLE alerts ADD COLUMN acknowledged_by text;
      ALTER TABLE alerts ADD COLUMN acknowledged_at text;
      ALTER TABLE alerts ADD COLUMN escalations integer NOT NULL DEFAULT 0;
      -- Timestamps as ISO text in UTC like the alerts' others, so text order is time order.
      -- When people were last told of it (raised, escalated, reminded): the clock of the next reminder.
      ALTER TABLE alerts ADD COLUMN told_at text;
      -- One live alert per cause: pending, open, acknowledged or cleared (a cleared one still waits for a person).
      DROP INDEX alerts_open_key;
      CREATE UNIQUE INDEX alerts_live_key ON alerts (dedup_key) WHERE status <> 'resolved';
      DROP INDEX alerts_open_kind;
      CREATE INDEX alerts_live_kind ON alerts (kind) WHERE status <> 'resolved';
      CREATE INDEX alerts_key ON alerts (dedup_key, seq);
      CREATE INDEX alerts_status ON alerts (status, seq);

      CREATE TABLE alert_timeline (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        alert_id text NOT NULL,
        at text NOT NULL,
        by_whom text NOT NULL,
        action text NOT NULL,
        note text
      );
      CREATE INDEX alert_timeline_alert ON alert_timeline (alert_id, seq);

      CREATE TABLE silences (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        matchers text NOT NULL,
        -- A site in maintenance: everything but critical is silenced.
        except_critical integer NOT NULL DEFAULT 0,
        starts_at text NOT NULL,
        ends_at text NOT NULL,
        created_by text NOT NULL,
        comment text NOT NULL
      );
      CREATE INDEX silences_ends ON silences (ends_at);

      -- When the cloud last heard from each edge (any instance): the EDGE_NOT_HEARD rule reads it.
      CREATE TABLE edge_contacts (edge_id text PRIMARY KEY, site_id text NOT NULL, last_seen_at text NOT NULL);
    `,
  },
  {
    version: 21,
    name: "telemetry leaves the ledger: the telemetry table becomes a hand-off to the telemetry store; counts",
    sql: `
      -- A row waits here, with its whole event, until the telemetry store has it; then it is deleted.
      ALTER TABLE telemetry ADD COLUMN body jsonb;
      UPDATE telemetry t SET body = e.body FROM events e WHERE e.id = t.id;
      -- From now on the ledger keeps a telemetry event's id and hash (exactly-once), not its content; events
      -- are append-only, so bodies committed before stay as they are.
      DROP INDEX telemetry_metric;

      -- Cycle counts are ledger facts (a count against the stock): kept here for good.
      CREATE TABLE counts (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        site_id text NOT NULL,
        sku text NOT NULL,
        location text NOT NULL,
        value double precision NOT NULL,
        occurred_at timestamptz NOT NULL
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
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        site_id text NOT NULL,
        device_id text NOT NULL,
        zone text,
        status text NOT NULL,
        -- ISO text in UTC, so text order is time order.
        started_at text NOT NULL,
        body text NOT NULL
      );
      CREATE INDEX excursions_site ON excursions (site_id, seq);
    `,
  },
  {
    version: 23,
    name: "ledger reads served by indexes at a million movements (decision 0161)",
    sql: `
      -- Reads walk an index in the order they answer and stop at their limit; each of these costs the commit an
      -- index entry a movement (measured in decision 0161).
      -- Stock history: a SKU's latest legs by (occurred_at, id), newest first (id in the default collation, as
      -- the history orders it).
      CREATE INDEX movements_sku_time ON movements (sku, occurred_at, id);
      -- The movements list by site, by type, and by a location (from or to, exact or below a prefix: byte order).
      CREATE INDEX movements_site ON movements (site_id, seq);
      CREATE INDEX movements_type ON movements (movement_type, seq);
      CREATE INDEX movements_from ON movements (from_location COLLATE "C", seq) WHERE from_location IS NOT NULL;
      CREATE INDEX movements_to ON movements (to_location COLLATE "C", seq) WHERE to_location IS NOT NULL;
      -- Stock below a location prefix: a range in byte order.
      CREATE INDEX positions_location_bytes ON positions (location COLLATE "C");
      -- Correction tasks and alerts by site and by type, in creation order: few rows a day, cheap to index.
      CREATE INDEX tasks_site ON tasks (site_id, seq);
      CREATE INDEX tasks_type ON tasks (task_type, seq);
      CREATE INDEX alerts_site ON alerts (site_id, seq);
    `,
  },
  {
    version: 24,
    name: "telemetry hand-off: one row per committed batch (decision 0180)",
    sql: `
      -- A committed batch's telemetry as one JSON array, until the telemetry store has it; id: its dedupe key.
      CREATE TABLE telemetry_handoff (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        points integer NOT NULL,
        body text NOT NULL
      );
      -- Deleted within seconds: not worth compressing (out of line, uncompressed).
      ALTER TABLE telemetry_handoff ALTER COLUMN body SET STORAGE EXTERNAL;
      -- Rows waiting in the old table, one reading each (a body from before migration 21 rebuilt from columns).
      INSERT INTO telemetry_handoff (id, points, body)
        SELECT '1:' || id, 1, jsonb_build_array(COALESCE(body, jsonb_strip_nulls(jsonb_build_object('kind', 'telemetry',
          'id', id, 'siteId', site_id,
          'occurredAt', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'deviceId', device_id, 'metric', metric, 'value', value, 'unit', unit, 'location', location))))::text
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
      ALTER TABLE commits ADD COLUMN instance_id text;
      CREATE INDEX commits_batch ON commits (edge_id, instance_id, batch_seq) WHERE instance_id IS NOT NULL;
    `,
  },
];

/** Any constant: serialises concurrent migrators (two cloud processes starting together). */
const MIGRATION_LOCK = 7_245_001;

/** Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction. */
export async function migratePostgres(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    for (const migration of MIGRATIONS) {
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
        const done = await client.query("SELECT 1 FROM schema_migrations WHERE version = $1", [migration.version]);
        if (done.rowCount === 0) {
          await client.query(migration.sql);
          await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
            migration.version,
            migration.name,
          ]);
        }
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    }
  } finally {
    client.release();
  }
}
