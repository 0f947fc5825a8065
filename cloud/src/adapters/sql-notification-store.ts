import type { AlertEvent } from "../alerts/alert.js";
import { enqueueAlertEvents } from "../notifications/enqueue-alert-events.js";
import type {
  AttemptRecord,
  ClaimedDelivery,
  DeliveredEvent,
  Delivery,
  DeliveryAttempt,
  DeliveryPlan,
  DeliveryQuery,
  DeliveryStatus,
  NewWebhook,
  NotificationStore,
} from "../notifications/notification-store.js";
import type { StoredOutboxEvent } from "../notifications/outbox-event.js";
import { type Webhook, WebhookFilters, WebhookFormat, type WebhookWithSecret } from "../notifications/webhook.js";
import { type Column, iso, json, num, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { pageByCreation } from "./sql-paging.js";

interface WebhookRow {
  id: string;
  name: string;
  url: string;
  secret: string;
  format: string;
  filters: unknown;
  created_by: string;
  created_at: unknown;
  failing_since?: unknown;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  site_id: string;
  kind: string;
  events: unknown;
  status: string;
  attempts: unknown;
  created_at: unknown;
  next_attempt_at: unknown;
  last_error: string | null;
  delivered_at: unknown;
}

interface AttemptRow {
  delivery_id: string;
  attempt: unknown;
  at: unknown;
  sent_by: string;
  status_code: unknown;
  error: string | null;
  duration_ms: unknown;
}

const WEBHOOK_COLUMNS = "id, name, url, secret, format, filters, created_by, created_at";
const DELIVERY_COLUMNS =
  "id, webhook_id, site_id, kind, events, status, attempts, created_at, next_attempt_at, last_error, delivered_at";

/** Outbox events read per planning round: bounds memory when a long outage left many behind. */
const PLAN_BATCH = 5000;

/** One process plans at a time (PostgreSQL advisory lock), so no event is grouped twice. */
const PLAN_LOCK = "tally:notification-planner";

const DELIVERY_INSERT: readonly Column[] = [
  { name: "id", type: "text" },
  { name: "webhook_id", type: "text" },
  { name: "site_id", type: "text" },
  { name: "kind", type: "text" },
  { name: "events", type: "jsonb", object: true },
  { name: "body", type: "text" },
];

/** Webhooks, outbox and deliveries on the ledger's own database (SQLite or PostgreSQL), same SQL for both. */
export class SqlNotificationStore implements NotificationStore {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  async createWebhook(webhook: NewWebhook): Promise<Webhook> {
    const createdAt = new Date().toISOString();
    await this.#driver.write((tx) =>
      tx.run(
        `INSERT INTO webhooks (id, name, url, secret, format, filters, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          webhook.id,
          webhook.name,
          webhook.url,
          webhook.secret,
          webhook.format,
          JSON.stringify(webhook.filters),
          webhook.createdBy,
          this.#driver.timestamp(createdAt),
        ],
      ),
    );
    const { secret: _secret, ...listed } = webhook;
    return { ...listed, filters: { ...webhook.filters }, createdAt };
  }

  async webhooks(query: { limit?: number; after?: string } = {}): Promise<Webhook[]> {
    const page = pageByCreation("webhooks", query);
    const where = ["disabled_at IS NULL", ...(page.after ? [page.after.sql] : [])];
    const rows = await this.#driver.read.all<WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE ${where.join(" AND ")}
       ORDER BY created_at, id${this.#driver.collate}${page.limit.sql}`,
      [...(page.after?.params ?? []), ...page.limit.params],
    );
    return rows.map(webhookOf);
  }

  async webhook(id: string): Promise<Webhook | undefined> {
    const [row] = await this.#driver.read.all<WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ? AND disabled_at IS NULL`,
      [id],
    );
    return row === undefined ? undefined : webhookOf(row);
  }

  async deleteWebhook(id: string, by: string): Promise<boolean> {
    const now = this.#driver.timestamp(new Date().toISOString());
    return this.#driver.write(async (tx) => {
      const changed = await tx.run(
        "UPDATE webhooks SET disabled_at = ?, disabled_by = ? WHERE id = ? AND disabled_at IS NULL",
        [now, by, id],
      );
      if (changed === 0) return false;
      await tx.run(
        `UPDATE notification_deliveries SET status = 'failed', last_error = ?, claimed_by = NULL, claim_until = NULL
         WHERE webhook_id = ? AND status = 'pending'`,
        [`webhook deleted by ${by}`, id],
      );
      return true;
    });
  }

  async enqueue(events: readonly AlertEvent[]): Promise<void> {
    await this.#driver.write((tx) => enqueueAlertEvents(tx, events));
  }

  async createDeliveries(
    plan: (pending: readonly StoredOutboxEvent[], webhooks: readonly WebhookWithSecret[]) => DeliveryPlan,
    nowIso: string,
  ): Promise<{ created: number; malformed: number[] }> {
    const now = this.#driver.timestamp(nowIso);
    return this.#driver.write(async (tx) => {
      await tx.lockKeys([PLAN_LOCK]);
      const rows = await tx.all<{ seq: unknown; event: unknown }>(
        "SELECT seq, event FROM notification_outbox ORDER BY seq LIMIT ?",
        [PLAN_BATCH],
      );
      if (rows.length === 0) return { created: 0, malformed: [] };
      const pending = rows.map((r) => ({ seq: num(r.seq), event: readEvent(r.event) }));
      const hooks = await tx.all<WebhookRow>(
        `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE disabled_at IS NULL ORDER BY created_at, id${this.#driver.collate}`,
      );
      const { deliveries, consumed, malformed } = plan(pending, hooks.map(webhookWithSecretOf));
      if (deliveries.length > 0) {
        await tx.insertRowsCount(
          "notification_deliveries",
          DELIVERY_INSERT,
          deliveries.map((d) => [d.id, d.webhookId, d.siteId, d.kind, d.events, d.body]),
          {
            constants: [
              { name: "status", type: "text", value: "pending" },
              { name: "created_at", type: "timestamptz", value: now },
              { name: "next_attempt_at", type: "timestamptz", value: now },
            ],
          },
        );
      }
      await this.#removeFromOutbox(tx, consumed);
      return { created: deliveries.length, malformed };
    });
  }

  /** Deletes outbox rows by seq: one JSON array parameter whatever their number (one statement text, one plan). */
  async #removeFromOutbox(tx: SqlDb, seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    const list =
      this.#driver.kind === "postgres"
        ? "SELECT (jsonb_array_elements_text(?::jsonb))::bigint"
        : "SELECT value FROM json_each(?)";
    await tx.run(`DELETE FROM notification_outbox WHERE seq IN (${list})`, [JSON.stringify(seqs)]);
  }

  async claimDue(query: {
    owner: string;
    nowIso: string;
    leaseUntilIso: string;
    limit: number;
  }): Promise<ClaimedDelivery[]> {
    const now = this.#driver.timestamp(query.nowIso);
    const until = this.#driver.timestamp(query.leaseUntilIso);
    // PostgreSQL: rows another process is claiming right now are skipped, not waited for; the outer
    // conditions are checked again on the locked row. SQLite has one writer: the transaction alone suffices.
    const skipLocked = this.#driver.kind === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
    const free = "status = 'pending' AND (claim_until IS NULL OR claim_until <= ?)";
    return this.#driver.write(async (tx) => {
      const claimed = await tx.all<{ id: string; webhook_id: string; body: string; attempts: unknown }>(
        `UPDATE notification_deliveries SET claimed_by = ?, claim_until = ?
         WHERE id IN (SELECT id FROM notification_deliveries WHERE next_attempt_at <= ? AND ${free}
                      ORDER BY next_attempt_at, seq LIMIT ?${skipLocked})
           AND ${free}
         RETURNING id, webhook_id, body, attempts`,
        [query.owner, until, now, now, Math.max(1, Math.trunc(query.limit)), now],
      );
      if (claimed.length === 0) return [];
      const ids = [...new Set(claimed.map((c) => c.webhook_id))];
      const inIds = tx.inList("id", ids);
      const hooks = await tx.all<WebhookRow>(
        `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE ${inIds.sql}`,
        inIds.params,
      );
      const byId = new Map(hooks.map((h) => [h.id, webhookWithSecretOf(h)]));
      const out: ClaimedDelivery[] = [];
      for (const c of claimed) {
        const webhook = byId.get(c.webhook_id);
        if (webhook !== undefined) out.push({ id: c.id, webhook, body: c.body, attempts: num(c.attempts) });
      }
      return out;
    });
  }

  async recordAttempt(record: AttemptRecord): Promise<{ recovered?: Webhook }> {
    const { attempt } = record;
    const at = this.#driver.timestamp(attempt.at);
    const ok = attempt.error === undefined;
    return this.#driver.write(async (tx) => {
      await tx.run(
        `INSERT INTO notification_attempts (delivery_id, attempt, at, sent_by, status_code, error, duration_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        [
          record.deliveryId,
          attempt.attempt,
          at,
          record.owner,
          attempt.statusCode ?? null,
          attempt.error ?? null,
          attempt.durationMs,
        ],
      );
      // Only while this notifier still holds the lease, and only a pending delivery (not one of a deleted webhook).
      const guard = "WHERE id = ? AND claimed_by = ? AND status = 'pending'";
      if (ok) {
        await tx.run(
          `UPDATE notification_deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL,
             claimed_by = NULL, claim_until = NULL ${guard}`,
          [attempt.attempt, at, record.deliveryId, record.owner],
        );
      } else {
        await tx.run(
          `UPDATE notification_deliveries SET attempts = ?, next_attempt_at = ?, last_error = ?,
             claimed_by = NULL, claim_until = NULL ${guard}`,
          [
            attempt.attempt,
            this.#driver.timestamp(record.nextAttemptAt ?? attempt.at),
            attempt.error ?? null,
            record.deliveryId,
            record.owner,
          ],
        );
      }
      const [row] = await tx.all<{ webhook_id: string }>(
        "SELECT webhook_id FROM notification_deliveries WHERE id = ?",
        [record.deliveryId],
      );
      if (row === undefined) return {};
      if (!ok) {
        await tx.run("UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL", [
          at,
          row.webhook_id,
        ]);
        return {};
      }
      // A success ends the failure; it is a recovery worth telling only when the failure was told.
      const reported = await tx.run(
        "UPDATE webhooks SET failing_since = NULL, failing_reported_at = NULL WHERE id = ? AND failing_reported_at IS NOT NULL",
        [row.webhook_id],
      );
      await tx.run("UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL", [
        row.webhook_id,
      ]);
      if (reported === 0) return {};
      const [hook] = await tx.all<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`, [row.webhook_id]);
      return hook === undefined ? {} : { recovered: webhookOf(hook) };
    });
  }

  async takeFailing(nowIso: string, sinceBeforeIso: string): Promise<{ webhook: Webhook; since: string }[]> {
    const rows = await this.#driver.write((tx) =>
      tx.all<WebhookRow>(
        `UPDATE webhooks SET failing_reported_at = ?
         WHERE disabled_at IS NULL AND failing_since IS NOT NULL AND failing_since <= ? AND failing_reported_at IS NULL
         RETURNING ${WEBHOOK_COLUMNS}, failing_since`,
        [this.#driver.timestamp(nowIso), this.#driver.timestamp(sinceBeforeIso)],
      ),
    );
    return rows.map((row) => ({ webhook: webhookOf(row), since: iso(row.failing_since) }));
  }

  async deliveries(query: DeliveryQuery): Promise<Delivery[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.webhookId !== undefined) {
      where.push("webhook_id = ?");
      params.push(query.webhookId);
    }
    if (query.status !== undefined) {
      where.push("status = ?");
      params.push(query.status);
    }
    if (query.after !== undefined) {
      where.push("seq > (SELECT seq FROM notification_deliveries WHERE id = ?)");
      params.push(query.after);
    }
    params.push(Math.max(1, Math.trunc(query.limit)));
    const rows = await this.#driver.read.all<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq LIMIT ?`,
      params,
    );
    if (rows.length === 0) return [];
    const inIds = this.#driver.read.inList(
      "delivery_id",
      rows.map((r) => r.id),
    );
    const attempts = await this.#driver.read.all<AttemptRow>(
      `SELECT delivery_id, attempt, at, sent_by, status_code, error, duration_ms FROM notification_attempts
       WHERE ${inIds.sql} ORDER BY delivery_id, attempt`,
      inIds.params,
    );
    const log = new Map<string, DeliveryAttempt[]>();
    for (const a of attempts) {
      const list = log.get(a.delivery_id) ?? [];
      list.push({
        attempt: num(a.attempt),
        at: iso(a.at),
        sentBy: a.sent_by,
        ...(a.status_code !== null && { statusCode: num(a.status_code) }),
        ...(a.error !== null && { error: a.error }),
        durationMs: num(a.duration_ms),
      });
      log.set(a.delivery_id, list);
    }
    return rows.map((row) => {
      const status = row.status as DeliveryStatus;
      return {
        id: row.id,
        webhookId: row.webhook_id,
        siteId: row.site_id,
        kind: row.kind,
        events: json<DeliveredEvent[]>(row.events),
        status,
        attempts: num(row.attempts),
        createdAt: iso(row.created_at),
        ...(status === "pending" && { nextAttemptAt: iso(row.next_attempt_at) }),
        ...(row.last_error !== null && { lastError: row.last_error }),
        ...(row.delivered_at !== null && row.delivered_at !== undefined && { deliveredAt: iso(row.delivered_at) }),
        attemptLog: log.get(row.id) ?? [],
      };
    });
  }
}

/** An outbox row's event: text that does not parse is kept as it is (the planner finds it malformed). */
function readEvent(value: unknown): unknown {
  try {
    return json(value);
  } catch {
    return value;
  }
}

function webhookOf(row: WebhookRow): Webhook {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    format: WebhookFormat.parse(row.format),
    filters: WebhookFilters.parse(json(row.filters)),
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}

function webhookWithSecretOf(row: WebhookRow): WebhookWithSecret {
  return { ...webhookOf(row), secret: row.secret };
}
