import type { Alert, AlertEvent, AlertKind, AlertSeverity, AlertStatus, AlertTimelineEntry } from "../alerts/alert.js";
import {
  AlertSeverity as AlertSeveritySchema,
  AlertStatus as AlertStatusSchema,
  AlertTimelineEntry as TimelineSchema,
} from "../alerts/alert.js";
import { type AlertCause, applyCauses } from "../alerts/alert-cause.js";
import { type AlertUpdate, acknowledge, escalate, promote, remind, resolve } from "../alerts/alert-lifecycle.js";
import { AlertPolicy } from "../alerts/alert-policy.js";
import type {
  AlertAction,
  AlertEventSink,
  AlertListQuery,
  AlertStore,
  NewSilence,
  SweepResult,
} from "../alerts/alert-store.js";
import type { EdgeContact } from "../alerts/cloud-rules.js";
import { type Silence, SilenceMatchers, suppressionOf } from "../alerts/noise.js";
import { newId } from "../ledger/new-id.js";
import {
  ALERT_COLUMNS,
  ALERT_UPDATE_SET,
  type AlertRow,
  alertFromRow,
  alertToRow,
  alertUpdateValues,
} from "./alert-row.js";
import { selectInChunks } from "./sql-chunks.js";
import { json, num, placeholders, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { addLimit, addSeqCursor } from "./sql-paging.js";

const LIVE = "status <> 'resolved'";

/** The PostgreSQL channel alert changes are announced on. */
const ALERTS_CHANNEL = "tally_alerts";

/** An edge's contact is written at most this often by one process, ms. */
const CONTACT_EVERY_MS = 10_000;

/** How many live alerts the sweep reads at a time. */
const SWEEP_BATCH = 500;

/**
 * Alerts on the ledger's database (SQLite or PostgreSQL, through the shared
 * driver): the lifecycle's writes, the timeline, silences and the sweep.
 * The ledger's commit calls `applyCausesIn` inside its own transaction.
 */
export class SqlAlertStore implements AlertStore {
  readonly #driver: SqlDriver;
  #policy = new AlertPolicy();
  #sink: AlertEventSink<SqlDb> | undefined;
  /** Tells this process's own change notices from other processes' (not a credential: the database is trusted). */
  readonly #processId = newId();
  /** When this process last wrote each edge's contact, ms. */
  readonly #contactWritten = new Map<string, number>();

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  get policy(): AlertPolicy {
    return this.#policy;
  }

  /** The policy in force from now on (the cloud sets it once at start). */
  usePolicy(policy: AlertPolicy): void {
    this.#policy = policy;
  }

  /** Where told events go, in the transaction that made them (the notifications' outbox). */
  sendEventsTo(sink: AlertEventSink<SqlDb>): void {
    this.#sink = sink;
  }

  /**
   * Applies causes inside the caller's transaction: locks their keys, reads
   * the latest alert of each, writes the lifecycle's updates with their
   * timeline and hands the events nobody muted to the sink. Returns the
   * alerts after their change, in order.
   */
  async applyCausesIn(tx: SqlDb, causes: readonly AlertCause[], now: string): Promise<Alert[]> {
    if (causes.length === 0) return [];
    const keys = [...new Set(causes.map((c) => (c.state === "raised" ? c.alert.dedupKey : c.dedupKey)))];
    await tx.lockKeys(keys);
    // Locked rows: a person acknowledging one of them at the same moment waits for this commit, then sees it.
    const live = await latestAlerts(tx, keys, this.#driver.forUpdate);
    const { updates, dropped } = applyCauses(live, causes, this.#policy);
    for (const alert of dropped) {
      await tx.run("DELETE FROM alert_timeline WHERE alert_id = ?", [alert.id]);
      await tx.run("DELETE FROM alerts WHERE id = ? AND status = 'pending'", [alert.id]);
    }
    await this.#write(tx, updates, now);
    return updates.map((u) => u.alert);
  }

  async applyCauses(causes: readonly AlertCause[], now: Date): Promise<Alert[]> {
    return this.#driver.write((tx) => this.applyCausesIn(tx, causes, now.toISOString()));
  }

  async recordContact(edgeId: string, siteId: string, at: string): Promise<void> {
    const last = this.#contactWritten.get(edgeId);
    const atMs = Date.parse(at);
    if (last !== undefined && atMs - last < CONTACT_EVERY_MS) return;
    this.#contactWritten.set(edgeId, atMs);
    await this.#driver.write((tx) =>
      tx.run(
        `INSERT INTO edge_contacts (edge_id, site_id, last_seen_at) VALUES (?, ?, ?)
         ON CONFLICT (edge_id) DO UPDATE SET site_id = excluded.site_id, last_seen_at = excluded.last_seen_at
         WHERE excluded.last_seen_at > edge_contacts.last_seen_at`,
        [edgeId, siteId, at],
      ),
    );
  }

  async edgeContacts(): Promise<EdgeContact[]> {
    const rows = await this.#driver.read.all<{ edge_id: string; site_id: string; last_seen_at: string }>(
      "SELECT edge_id, site_id, last_seen_at FROM edge_contacts ORDER BY edge_id",
    );
    return rows.map((r) => ({ edgeId: r.edge_id, siteId: r.site_id, lastSeenAt: r.last_seen_at }));
  }

  async liveCounts(): Promise<{ status: AlertStatus; severity: AlertSeverity; count: number }[]> {
    const rows = await this.#driver.read.all<{ status: string; severity: string; n: unknown }>(
      `SELECT status, severity, COUNT(*) AS n FROM alerts WHERE ${LIVE} GROUP BY status, severity`,
    );
    return rows.map((r) => ({
      status: AlertStatusSchema.parse(r.status),
      severity: AlertSeveritySchema.parse(r.severity),
      count: num(r.n),
    }));
  }

  latestByKeys(keys: readonly string[]): Promise<Map<string, Alert>> {
    return latestAlerts(this.#driver.read, keys);
  }

  async liveOfKind(kind: AlertKind): Promise<Map<string, Alert>> {
    const rows = await this.#driver.read.all<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM alerts WHERE kind = ? AND ${LIVE} ORDER BY seq`,
      [kind],
    );
    return new Map(rows.map((r) => [r.dedup_key, alertFromRow(r)]));
  }

  async list(query: AlertListQuery = {}): Promise<Alert[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      where.push("status = ?");
      params.push(query.status);
    } else {
      where.push("status <> 'pending'");
    }
    for (const [column, value] of [
      ["site_id", query.siteId],
      ["severity", query.severity],
      ["kind", query.kind],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    addSeqCursor(where, params, "alerts", query.after);
    const limit = addLimit(params, query.limit);
    const rows = await this.#driver.read.all<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${where.join(" AND ")} ORDER BY seq${limit}`,
      params,
    );
    return rows.map(alertFromRow);
  }

  async get(id: string): Promise<{ alert: Alert; timeline: AlertTimelineEntry[] } | undefined> {
    const rows = await this.#driver.read.all<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`, [id]);
    const row = rows[0];
    if (row === undefined) return undefined;
    const entries = await this.#driver.read.all<{ at: string; by_whom: string; action: string; note: string | null }>(
      "SELECT at, by_whom, action, note FROM alert_timeline WHERE alert_id = ? ORDER BY seq",
      [id],
    );
    return {
      alert: alertFromRow(row),
      timeline: entries.map((e) =>
        TimelineSchema.parse({ at: e.at, by: e.by_whom, action: e.action, ...(e.note !== null && { note: e.note }) }),
      ),
    };
  }

  acknowledge(id: string, by: string, note?: string): Promise<AlertAction> {
    return this.#act(id, (alert, at) => acknowledge(alert, by, at, note));
  }

  resolve(id: string, by: string, note?: string): Promise<AlertAction> {
    return this.#act(id, (alert, at) => resolve(alert, by, at, note));
  }

  async #act(id: string, change: (alert: Alert, at: string) => ReturnType<typeof acknowledge>): Promise<AlertAction> {
    return this.#driver.write(async (tx) => {
      const rows = await tx.all<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?${this.#driver.forUpdate}`, [
        id,
      ]);
      const row = rows[0];
      if (row === undefined) return { ok: false, refusal: "ALERT_NOT_FOUND" };
      const now = new Date().toISOString();
      const result = change(alertFromRow(row), now);
      if (!result.ok) return result;
      await this.#write(tx, [result.update], now);
      return { ok: true, alert: result.update.alert };
    });
  }

  async silences(activeAt?: string): Promise<Silence[]> {
    const rows = await this.#driver.read.all<SilenceRow>(
      `SELECT ${SILENCE_COLUMNS} FROM silences ${activeAt === undefined ? "" : "WHERE ends_at > ?"} ORDER BY seq`,
      activeAt === undefined ? [] : [activeAt],
    );
    return rows.map(silenceFromRow);
  }

  async addSilence(input: NewSilence): Promise<Silence> {
    const silence: Silence = { id: newId(), ...input };
    await this.#driver.write((tx) =>
      tx.run(`INSERT INTO silences (${SILENCE_COLUMNS}) VALUES (${placeholders(7)})`, [
        silence.id,
        JSON.stringify(silence.matchers),
        silence.exceptCritical ? 1 : 0,
        silence.startsAt,
        silence.endsAt,
        silence.createdBy,
        silence.comment,
      ]),
    );
    return silence;
  }

  async expireSilence(id: string, at: string): Promise<boolean> {
    const changed = await this.#driver.write((tx) =>
      tx.run("UPDATE silences SET ends_at = ? WHERE id = ? AND ends_at > ?", [at, id, at]),
    );
    return changed > 0;
  }

  async sweep(now: Date): Promise<SweepResult> {
    const at = now.toISOString();
    const nowMs = now.getTime();
    const changed: Alert[] = [];
    // A muted alert is neither escalated nor reminded: nobody is to be told of it.
    const silences = await this.silences(at);
    const inhibitors = (
      await this.#driver.read.all<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM alerts WHERE kind = 'EDGE_NOT_HEARD' AND status IN ('open', 'acknowledged')`,
      )
    ).map(alertFromRow);
    // Every live alert, a page at a time: a long list of alerts that never escalate (low stock) must not starve the rest.
    const candidates: (AlertRow & { told_at: string | null })[] = [];
    for (let after = 0; ; ) {
      const page = await this.#driver.read.all<AlertRow & { told_at: string | null; seq: unknown }>(
        `SELECT ${ALERT_COLUMNS}, told_at, seq FROM alerts WHERE status IN ('pending', 'open', 'cleared') AND seq > ?
         ORDER BY seq LIMIT ?`,
        [after, SWEEP_BATCH],
      );
      candidates.push(...page);
      const last = page.at(-1);
      if (page.length < SWEEP_BATCH || last === undefined) break;
      after = num(last.seq);
    }
    for (const row of candidates) {
      const alert = alertFromRow(row);
      const kind = this.#policy.kind(alert.siteId, alert.kind);
      const raisedMs = Date.parse(alert.lastRaisedAt ?? alert.raisedAt);
      let update: AlertUpdate | undefined;
      const muted = alert.status !== "pending" && suppressionOf(alert, silences, inhibitors, nowMs) !== undefined;
      if (muted) continue;
      if (alert.status === "pending") {
        if (nowMs - Date.parse(alert.raisedAt) >= kind.graceMs) update = promote(alert, at);
      } else if (
        alert.status === "open" &&
        kind.escalateAfterMs !== undefined &&
        alert.severity !== "critical" &&
        nowMs - raisedMs >= kind.escalateAfterMs * ((alert.escalations ?? 0) + 1)
      ) {
        update = escalate(alert, at, kind.escalateTo);
      } else if (
        kind.remindEveryMs !== undefined &&
        nowMs - Date.parse(row.told_at ?? alert.lastRaisedAt ?? alert.raisedAt) >= kind.remindEveryMs
      ) {
        update = remind(alert, at);
      }
      if (update === undefined) continue;
      const done = await this.#driver.write(async (tx) => {
        // Another instance may have swept it first: change it only as it was read.
        const same = await tx.all<{ id: string }>(
          `SELECT id FROM alerts WHERE id = ? AND status = ? AND escalations = ? AND COALESCE(told_at, '') = ?${this.#driver.forUpdate}`,
          [alert.id, alert.status, alert.escalations ?? 0, row.told_at ?? ""],
        );
        if (same.length === 0) return false;
        await this.#write(tx, [update], at);
        return true;
      });
      if (done) changed.push(update.alert);
    }
    return { changed };
  }

  /** Rows, timeline and the events nobody muted; `told_at` moves when people are told. */
  async #write(tx: SqlDb, updates: readonly AlertUpdate[], now: string): Promise<void> {
    if (updates.length === 0) return;
    for (const u of updates) {
      if (u.isNew) {
        const values = alertToRow(u.alert);
        await tx.run(`INSERT INTO alerts (${ALERT_COLUMNS}) VALUES (${placeholders(values.length)})`, values);
      } else {
        await tx.run(`UPDATE alerts SET ${ALERT_UPDATE_SET} WHERE id = ?`, alertUpdateValues(u.alert));
      }
    }
    const entries = updates.flatMap((u) => u.entries.map((e) => [u.alert.id, e.at, e.by, e.action, e.note ?? null]));
    for (const e of entries) {
      await tx.run("INSERT INTO alert_timeline (alert_id, at, by_whom, action, note) VALUES (?, ?, ?, ?, ?)", e);
    }
    await this.#announce(
      tx,
      updates.map((u) => u.alert.id),
    );
    const told = updates.filter((u) => u.events.length > 0);
    if (told.length === 0) return;
    const events = await this.#unmuted(tx, told, now);
    for (const u of told) {
      await tx.run("UPDATE alerts SET told_at = ? WHERE id = ?", [now, u.alert.id]);
    }
    if (events.length > 0 && this.#sink !== undefined) await this.#sink(tx, events);
  }

  /**
   * PostgreSQL: tells every cloud process on the database which alerts changed, when this transaction
   * commits (`NOTIFY`), so each serves the same live stream. Its own process already published them.
   */
  async #announce(tx: SqlDb, ids: readonly string[]): Promise<void> {
    if (this.#driver.listen === undefined || ids.length === 0) return;
    // NOTIFY payloads are limited to 8000 bytes: ids go by the hundred.
    for (let i = 0; i < ids.length; i += 100) {
      const payload = JSON.stringify({ from: this.#processId, ids: ids.slice(i, i + 100) });
      await tx.all("SELECT pg_notify(?, ?)", [ALERTS_CHANNEL, payload]);
    }
  }

  /**
   * Calls `listener` with the alerts other cloud processes changed (PostgreSQL; SQLite has one process).
   * Returns the stop.
   */
  async watchOthers(listener: (alerts: Alert[]) => void): Promise<() => Promise<void>> {
    const listen = this.#driver.listen?.bind(this.#driver);
    if (listen === undefined) return async () => undefined;
    return listen(ALERTS_CHANNEL, (payload) => {
      let parsed: { from?: unknown; ids?: unknown };
      try {
        parsed = JSON.parse(payload) as { from?: unknown; ids?: unknown };
      } catch {
        return;
      }
      if (parsed.from === this.#processId || !Array.isArray(parsed.ids)) return;
      const ids = parsed.ids.filter((id): id is string => typeof id === "string").slice(0, 100);
      void this.#byIds(ids)
        .then(listener)
        .catch(() => undefined);
    });
  }

  async #byIds(ids: readonly string[]): Promise<Alert[]> {
    if (ids.length === 0) return [];
    const idsIn = this.#driver.read.inList("id", ids);
    const rows = await this.#driver.read.all<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${idsIn.sql} ORDER BY seq`,
      idsIn.params,
    );
    return rows.map(alertFromRow);
  }

  /** The events of `updates` whose alert no silence, maintenance window or inhibiting alert mutes. */
  async #unmuted(tx: SqlDb, updates: readonly AlertUpdate[], now: string): Promise<AlertEvent[]> {
    const silences = (await tx.all<SilenceRow>(`SELECT ${SILENCE_COLUMNS} FROM silences WHERE ends_at > ?`, [now])).map(
      silenceFromRow,
    );
    const edgeIds = [
      ...new Set(updates.filter((u) => u.alert.kind === "DEVICE_SILENT").flatMap((u) => u.alert.edgeId ?? [])),
    ];
    let inhibitors: Alert[] = [];
    if (edgeIds.length > 0) {
      const edgesIn = tx.inList("edge_id", edgeIds);
      inhibitors = (
        await tx.all<AlertRow>(
          `SELECT ${ALERT_COLUMNS} FROM alerts WHERE kind = 'EDGE_NOT_HEARD' AND ${LIVE} AND ${edgesIn.sql}`,
          edgesIn.params,
        )
      ).map(alertFromRow);
    }
    const nowMs = Date.parse(now);
    const events: AlertEvent[] = [];
    for (const u of updates) {
      if (suppressionOf(u.alert, silences, inhibitors, nowMs) !== undefined) continue;
      const target = this.#policy.kind(u.alert.siteId, u.alert.kind).escalateTo;
      for (const event of u.events) {
        events.push({
          event,
          at: now,
          alert: u.alert,
          ...(event === "escalated" && target !== undefined && { target }),
        });
      }
    }
    return events;
  }
}

/** The latest alert of each key (any status), by key. */
export async function latestAlerts(tx: SqlDb, keys: readonly string[], forUpdate = ""): Promise<Map<string, Alert>> {
  const latest = new Map<string, Alert>();
  const rows = await selectInChunks([...new Set(keys)], (chunk) => {
    const keysIn = tx.inList("a.dedup_key", chunk);
    return tx.all<AlertRow>(
      `SELECT ${ALERT_COLUMNS.split(", ")
        .map((c) => `a.${c}`)
        .join(", ")} FROM alerts a
       WHERE ${keysIn.sql} AND a.seq = (SELECT MAX(b.seq) FROM alerts b WHERE b.dedup_key = a.dedup_key)${forUpdate}`,
      keysIn.params,
    );
  });
  for (const row of rows) latest.set(row.dedup_key, alertFromRow(row));
  return latest;
}

/** Whether any stock alert is live: nothing to clear when none is and no position calls for one. */
export const ANY_LIVE_STOCK_ALERT = `EXISTS (SELECT 1 FROM alerts WHERE ${LIVE} AND kind IN ('LOW_STOCK', 'NEGATIVE_STOCK'))`;

interface SilenceRow {
  id: string;
  matchers: unknown;
  except_critical: number | string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
}

const SILENCE_COLUMNS = "id, matchers, except_critical, starts_at, ends_at, created_by, comment";

function silenceFromRow(row: SilenceRow): Silence {
  return {
    id: row.id,
    matchers: SilenceMatchers.parse(json(row.matchers)),
    exceptCritical: num(row.except_critical) === 1,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdBy: row.created_by,
    comment: row.comment,
  };
}
