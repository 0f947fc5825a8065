import { safeParseUntrusted } from "@tally/protocols";
/**
 * The alert policy: per kind, how bad an alert is, how long it may wait
 * before it is told (grace), when an unacknowledged one is escalated and how
 * often people are reminded; the thresholds of the cloud's own rules; the
 * notification grouping window. One validated document (JSON file), with
 * per-site overrides; the defaults below apply to whatever it leaves out.
 */
import { z } from "zod";
import { type AlertKind, AlertKind as AlertKindSchema, AlertSeverity } from "./alert.js";

const Minutes = z
  .number()
  .positive()
  .max(7 * 24 * 60);
const Seconds = z
  .number()
  .min(0)
  .max(24 * 3600);

/** What the policy says of one kind of alert. */
export const KindPolicy = z
  .object({
    severity: AlertSeverity.optional(),
    /** Hold a new alert this long before it is open and told (its cause may clear first). */
    graceSeconds: Seconds.optional(),
    /** Escalate when still not acknowledged after this long (and again after as long, up to critical). */
    escalateAfterMinutes: Minutes.optional(),
    /** Tell again this often while nobody acknowledged it. */
    remindEveryMinutes: Minutes.optional(),
    /** Who an escalation is for (a name webhooks can route on, e.g. `shift-lead`). */
    escalateTo: z.string().min(1).max(100).optional(),
  })
  .strict();
export type KindPolicy = z.infer<typeof KindPolicy>;

const Rules = z
  .object({
    /** An edge silent this long raises EDGE_NOT_HEARD. */
    edgeSilentMinutes: Minutes.optional(),
    /** Dead letters of one device above this many a minute raise DEAD_LETTER_RATE. */
    deadLettersPerMinute: z.number().positive().max(1_000_000).optional(),
    /** A webhook failing this long raises NOTIFIER_FAILING. */
    notifierFailingMinutes: Minutes.optional(),
    /** Correction tasks open past their due time raise TASK_OVERDUE. */
    taskOverdue: z.boolean().optional(),
  })
  .strict();

const Overrides = z
  .object({
    reopenWindowMinutes: Minutes.optional(),
    kinds: z.partialRecord(AlertKindSchema, KindPolicy).optional(),
    rules: Rules.optional(),
  })
  .strict();

export const AlertPolicyDocument = Overrides.extend({
  /** One message for the alerts of one site and kind raised within this window. */
  groupWindowSeconds: Seconds.optional(),
  /** Per site: anything above, for that site only. */
  sites: z.record(z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/), Overrides).optional(),
}).strict();
export type AlertPolicyDocument = z.infer<typeof AlertPolicyDocument>;

/** What one alert of one site gets, everything filled in. */
export interface ResolvedKindPolicy {
  severity: z.infer<typeof AlertSeverity>;
  graceMs: number;
  escalateAfterMs: number | undefined;
  remindEveryMs: number | undefined;
  escalateTo: string | undefined;
}

export interface ResolvedRules {
  edgeSilentMs: number;
  deadLettersPerMinute: number;
  notifierFailingMs: number;
  taskOverdue: boolean;
}

const DEFAULT_SEVERITY: Record<AlertKind, z.infer<typeof AlertSeverity>> = {
  TEMPERATURE_EXCURSION: "critical",
  TEMPERATURE_RATE: "major",
  DEVICE_SILENT: "minor",
  SHELF_UNSTABLE: "minor",
  READER_OVERFLOW: "major",
  SENSOR_STUCK: "minor",
  // A faulty cell stops the bin's counting until it is fixed: nearer a stuck sensor than an outage.
  LOAD_CELL_FAULT: "minor",
  // Stock gone with nobody's word for it: someone should look while the goods may still be on site.
  SUSPECTED_THEFT: "major",
  SHELF_UNREACHABLE: "major",
  EDGE_BACKLOG: "major",
  // Receipts and shipments opened or closed since are unknown to the edge: its tasks at the doors may be wrong.
  REFERENCE_DATA_STALE: "major",
  EDGE_IDENTITY_CONFLICT: "critical",
  FORGED_MESSAGE: "critical",
  SITE_LAYOUT_MISSING: "critical",
  LOW_STOCK: "warning",
  NEGATIVE_STOCK: "minor",
  TASK_OVERDUE: "warning",
  EDGE_NOT_HEARD: "major",
  DEAD_LETTER_RATE: "major",
  NOTIFIER_FAILING: "major",
};

/** The built-in policy: what applies where the document says nothing. */
export const DEFAULT_ALERT_POLICY = {
  reopenWindowMinutes: 10,
  groupWindowSeconds: 30,
  /** A receipt a second after a putaway must not alert: negative stock waits a minute. */
  graceSeconds: { NEGATIVE_STOCK: 60 } as Partial<Record<AlertKind, number>>,
  escalateAfterMinutes: { critical: 15, major: 60 } as Partial<Record<z.infer<typeof AlertSeverity>, number>>,
  remindEveryMinutes: { critical: 30, major: 120 } as Partial<Record<z.infer<typeof AlertSeverity>, number>>,
  rules: { edgeSilentMinutes: 5, deadLettersPerMinute: 60, notifierFailingMinutes: 10, taskOverdue: true },
} as const;

/** The policy in force: a validated document over the defaults, asked per site and kind. */
export class AlertPolicy {
  readonly #doc: AlertPolicyDocument;

  constructor(doc: AlertPolicyDocument = {}) {
    this.#doc = AlertPolicyDocument.parse(doc);
  }

  /** Validates a parsed policy document; throws an `AlertPolicyError` naming each problem, `source` being where it came from. */
  static parse(raw: unknown, source: string): AlertPolicy {
    const parsed = safeParseUntrusted(AlertPolicyDocument, raw);
    if (!parsed.success) {
      throw new AlertPolicyError(
        source,
        parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`),
      );
    }
    return new AlertPolicy(parsed.data);
  }

  get document(): AlertPolicyDocument {
    return this.#doc;
  }

  reopenWindowMs(siteId: string): number {
    const minutes =
      this.#doc.sites?.[siteId]?.reopenWindowMinutes ??
      this.#doc.reopenWindowMinutes ??
      DEFAULT_ALERT_POLICY.reopenWindowMinutes;
    return minutes * 60_000;
  }

  groupWindowMs(): number {
    return (this.#doc.groupWindowSeconds ?? DEFAULT_ALERT_POLICY.groupWindowSeconds) * 1000;
  }

  /** Site override, then the document, then the defaults, field by field. */
  kind(siteId: string, kind: AlertKind): ResolvedKindPolicy {
    const site = this.#doc.sites?.[siteId]?.kinds?.[kind] ?? {};
    const top = this.#doc.kinds?.[kind] ?? {};
    const merged: KindPolicy = { ...top, ...site };
    const severity = merged.severity ?? DEFAULT_SEVERITY[kind];
    const escalate = merged.escalateAfterMinutes ?? DEFAULT_ALERT_POLICY.escalateAfterMinutes[severity];
    const remind = merged.remindEveryMinutes ?? DEFAULT_ALERT_POLICY.remindEveryMinutes[severity];
    return {
      severity,
      graceMs: (merged.graceSeconds ?? DEFAULT_ALERT_POLICY.graceSeconds[kind] ?? 0) * 1000,
      escalateAfterMs: escalate === undefined ? undefined : escalate * 60_000,
      remindEveryMs: remind === undefined ? undefined : remind * 60_000,
      escalateTo: merged.escalateTo,
    };
  }

  rules(siteId?: string): ResolvedRules {
    const site = siteId === undefined ? {} : (this.#doc.sites?.[siteId]?.rules ?? {});
    const r = { ...DEFAULT_ALERT_POLICY.rules, ...this.#doc.rules, ...site };
    return {
      edgeSilentMs: r.edgeSilentMinutes * 60_000,
      deadLettersPerMinute: r.deadLettersPerMinute,
      notifierFailingMs: r.notifierFailingMinutes * 60_000,
      taskOverdue: r.taskOverdue,
    };
  }
}

export class AlertPolicyError extends Error {
  readonly code = "TALLY_ERR_CONFIG_ALERT_POLICY";
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`alert policy ${path} is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "AlertPolicyError";
  }
}
