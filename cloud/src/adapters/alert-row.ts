import { type Alert, AlertKind, AlertSeverity, AlertStatus } from "../alerts/alert.js";

/** An `alerts` row as both SQL adapters read it (timestamps as ISO text). */
export interface AlertRow {
  id: string;
  dedup_key: string;
  kind: string;
  severity: string;
  status: string;
  site_id: string;
  location: string | null;
  message: string;
  value: number | string | null;
  limit_value: number | string | null;
  unit: string | null;
  raised_at: string;
  resolved_at: string | null;
  sku: string | null;
  suggested_qty: number | string | null;
  device_id: string | null;
  edge_id: string | null;
  last_raised_at: string | null;
  occurrences: number | string | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  escalations: number | string | null;
}

export function alertFromRow(row: AlertRow): Alert {
  const alert: Alert = {
    id: row.id,
    dedupKey: row.dedup_key,
    kind: AlertKind.parse(row.kind),
    severity: AlertSeverity.parse(row.severity),
    status: AlertStatus.parse(row.status),
    siteId: row.site_id,
    message: row.message,
    raisedAt: row.raised_at,
    occurrences: Number(row.occurrences ?? 1),
    escalations: Number(row.escalations ?? 0),
  };
  if (row.location !== null) alert.location = row.location;
  if (row.device_id !== null) alert.deviceId = row.device_id;
  if (row.edge_id !== null) alert.edgeId = row.edge_id;
  if (row.value !== null) alert.value = Number(row.value);
  if (row.limit_value !== null) alert.limit = Number(row.limit_value);
  if (row.unit !== null) alert.unit = row.unit;
  if (row.last_raised_at !== null) alert.lastRaisedAt = row.last_raised_at;
  if (row.acknowledged_by !== null) alert.acknowledgedBy = row.acknowledged_by;
  if (row.acknowledged_at !== null) alert.acknowledgedAt = row.acknowledged_at;
  if (row.resolved_at !== null) alert.resolvedAt = row.resolved_at;
  if (row.sku !== null) alert.sku = row.sku;
  if (row.suggested_qty !== null) alert.suggestedOrderQty = Number(row.suggested_qty);
  return alert;
}

/** Column values in `ALERT_COLUMNS` order. */
export function alertToRow(alert: Alert): unknown[] {
  return [
    alert.id,
    alert.dedupKey,
    alert.kind,
    alert.severity,
    alert.status,
    alert.siteId,
    alert.location ?? null,
    alert.message,
    alert.value ?? null,
    alert.limit ?? null,
    alert.unit ?? null,
    alert.raisedAt,
    alert.resolvedAt ?? null,
    alert.sku ?? null,
    alert.suggestedOrderQty ?? null,
    alert.deviceId ?? null,
    alert.edgeId ?? null,
    alert.lastRaisedAt ?? null,
    alert.occurrences ?? 1,
    alert.acknowledgedBy ?? null,
    alert.acknowledgedAt ?? null,
    alert.escalations ?? 0,
  ];
}

export const ALERT_COLUMNS =
  "id, dedup_key, kind, severity, status, site_id, location, message, value, limit_value, unit, raised_at, resolved_at, sku, suggested_qty, device_id, edge_id, last_raised_at, occurrences, acknowledged_by, acknowledged_at, escalations";

/** What an update may change of a row (everything but its identity and cause). */
export const ALERT_UPDATE_SET =
  "severity = ?, status = ?, message = ?, value = ?, limit_value = ?, resolved_at = ?, suggested_qty = ?, last_raised_at = ?, occurrences = ?, acknowledged_by = ?, acknowledged_at = ?, escalations = ?";

/** Values of `ALERT_UPDATE_SET`, then the id. */
export function alertUpdateValues(alert: Alert): unknown[] {
  return [
    alert.severity,
    alert.status,
    alert.message,
    alert.value ?? null,
    alert.limit ?? null,
    alert.resolvedAt ?? null,
    alert.suggestedOrderQty ?? null,
    alert.lastRaisedAt ?? null,
    alert.occurrences ?? 1,
    alert.acknowledgedBy ?? null,
    alert.acknowledgedAt ?? null,
    alert.escalations ?? 0,
    alert.id,
  ];
}
