import {
  acceptedTelemetry,
  type CommitAck,
  describeIssues,
  type EdgeBatch,
  EdgeEvent,
  ErrorCode,
  type EventRejection,
  type ReadingColumns,
  type Rejection,
  safeParseUntrusted,
} from "@tally/protocols";
import type { z } from "zod";
import type { Alert } from "../alerts/alert.js";
import type { AlertHub } from "../alerts/alert-hub.js";
import { recordExcursions } from "../excursions/record-excursions.js";
import { canonicalJson } from "../ledger/canonical-json.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import type { BatchOrder } from "./batch-order.js";
import { type CheckedReadings, checkReadings } from "./check-readings.js";
import { recordIdentityConflict } from "./edge-conditions.js";
import type { EdgeRegistry } from "./edge-registry.js";
import {
  checkAgainstSite,
  DEFAULT_TIME_WINDOW,
  locationsOf,
  type SiteFacts,
  type SiteFactsSource,
  type TimeWindow,
} from "./site-checks.js";
import type { UnknownSiteWatch } from "./unknown-site-watch.js";
import { withWellFormedText } from "./well-formed-text.js";

export interface IngestDeps {
  store: LedgerStore;
  alerts: AlertHub;
  now?: () => Date;
  /** Told what each batch came to and how long its commit took (metrics). */
  observe?: (ack: CommitAck, commitSeconds: number) => void;
  /** Sequence numbers and identities of the edges; a quarantined edge's batches are refused whole. */
  edges?: EdgeRegistry;
  /** The sites' imported layouts and the item master: every event is checked against them before it commits. */
  siteFacts: SiteFactsSource;
  /** How far from the cloud's clock an event may be dated (default: an hour ahead, a year behind). */
  timeWindow?: TimeWindow;
  /** Told of batches for a site without a layout (log and alert), and of the site's next taken batch. */
  unknownSites?: UnknownSiteWatch | undefined;
  /**
   * Commits each edge's batches in the order it sent them (a batch naming an `after` waits for it); without,
   * batches commit as they come. Validation and site lookups run before a batch's turn, so they overlap the
   * commit before it.
   */
  order?: BatchOrder | undefined;
}

/** A batch checked and ready to commit: what is kept, and what is already refused. */
interface CheckedBatch {
  batch: EdgeBatch;
  /** The batch's readings sent as columns, checked; undefined when it sent none. */
  readings: CheckedReadings | undefined;
  checked: EdgeEvent[];
  rejections: EventRejection[];
  refused: Map<string, EventRejection>;
  first: Map<string, { index: number; event: EdgeEvent }>;
  repeats: { id: string; index: number }[];
}

/**
 * The one ingest path for HTTP and MQTT: validates each event on its own,
 * commits the valid ones (each id once) in one transaction, publishes the alerts it changed
 * and returns the ack to send. Throws only when the commit fails (the edge
 * will resend: no ack must leave), when recording its excursions does (the resend makes them), or when the
 * batch named as its `after` did not commit in time (`PredecessorNotCommitted`).
 */
export async function ingestBatch(deps: IngestDeps, batch: EdgeBatch): Promise<CommitAck> {
  const admission = deps.edges?.admit(batch);
  if (admission !== undefined && !admission.admitted) {
    if (admission.newlyQuarantined) {
      await recordIdentityConflict(deps, batch, "raised", admission.reason, deps.now?.() ?? new Date());
    }
    const ack = rejectBatch(batch, { code: ErrorCode.EdgeQuarantined, reason: admission.reason }, deps.now?.());
    deps.observe?.(ack, 0);
    return ack;
  }
  const rejections: EventRejection[] = [];
  const valid: EdgeEvent[] = [];
  const first = new Map<string, { index: number; event: EdgeEvent }>();
  /** Later occurrences of an id with the same content: they share the first one's fate. */
  const repeats: { id: string; index: number }[] = [];
  // Text that no Unicode encoding can hold (a lone surrogate) is kept with U+FFFD, the same in every store.
  withWellFormedText(batch.events).forEach((raw, index) => {
    const event = parseEvent(raw);
    if (!("kind" in event)) {
      rejections.push(rejection(index, idOf(raw), ErrorCode.EventSchema, describeIssues(event.error)));
      return;
    }
    if (event.siteId !== batch.siteId) {
      const reason = `event site ${event.siteId} is not the batch's site ${batch.siteId}`;
      rejections.push(rejection(index, event.id, ErrorCode.SiteMismatch, reason));
      return;
    }
    const seen = first.get(event.id);
    if (seen === undefined) {
      first.set(event.id, { index, event });
      valid.push(event);
    } else if (canonicalJson(seen.event) === canonicalJson(event)) {
      // Canonical JSON only for an id seen twice, not for every event of every batch.
      repeats.push({ id: event.id, index });
    } else {
      const reason = `the batch holds this id twice with different content (first at index ${seen.index})`;
      rejections.push(rejection(index, event.id, ErrorCode.EventConflict, reason));
    }
  });

  const facts = await siteFactsFor(deps, batch.siteId, valid, batch.readings);
  if (!facts.known) {
    // Nothing of a site without a layout can be checked: the whole batch waits at the edge (it resends after
    // its longest backoff) until an administrator imports the site, rather than every event being refused for good.
    const reason = `site ${batch.siteId} has no imported layout: import its site file (PUT /v1/sites/${batch.siteId}/layout)`;
    const ack = rejectBatch(batch, { code: ErrorCode.SiteUnknown, reason }, deps.now?.());
    await deps.unknownSites?.unknown(batch.siteId, batch.edgeId);
    deps.observe?.(ack, 0);
    return ack;
  }
  await deps.unknownSites?.known(batch.siteId, batch.edgeId);
  const { kept: checked, refused } = checkEvents(deps, facts, valid, first);
  rejections.push(...refused.values());
  const readings =
    batch.readings === undefined
      ? undefined
      : checkReadings(batch.readings, {
          siteId: batch.siteId,
          offset: batch.events.length,
          facts,
          nowMs: (deps.now?.() ?? new Date()).getTime(),
          window: deps.timeWindow ?? DEFAULT_TIME_WINDOW,
          eventIds: first,
        });
  if (readings !== undefined) rejections.push(...readings.rejections);
  const prepared: CheckedBatch = { batch, readings, checked, rejections, refused, first, repeats };
  if (deps.order === undefined) return commitChecked(deps, prepared);
  return deps.order.inTurn(
    batch,
    () => commitChecked(deps, prepared),
    (ack) => ack.status === "committed",
  );
}

/** Commits the kept events, publishes what changed, and makes the ack. */
async function commitChecked(deps: IngestDeps, prepared: CheckedBatch): Promise<CommitAck> {
  const { batch, readings, checked, rejections, refused, first, repeats } = prepared;
  const started = performance.now();
  const meta = { edgeId: batch.edgeId, siteId: batch.siteId, batchId: batch.batchId, seq: batch.seq };
  // A batch of an edge process that says which it is goes to the store even with nothing left to commit: the
  // ledger then records that it committed, for the cloud instance that gets the batch naming it as `after`.
  const handoff = readings?.handoff;
  const result =
    checked.length > 0 || batch.instanceId !== undefined || handoff !== undefined
      ? await deps.store.commit({ ...meta, instanceId: batch.instanceId }, checked, handoff)
      : { committed: [], duplicates: [], conflicts: [], alerts: [] };
  const conflicts = new Set(result.conflicts);
  const conflictReason = "an event with this id and different content is already in the ledger";
  for (const id of conflicts) {
    rejections.push(rejection(first.get(id)?.index ?? 0, id, ErrorCode.EventConflict, conflictReason));
  }
  const duplicates = [...result.duplicates];
  for (const repeat of repeats) {
    const firstFate = refused.get(repeat.id);
    if (firstFate !== undefined && !conflicts.has(repeat.id)) {
      rejections.push({ ...firstFate, index: repeat.index });
    } else if (conflicts.has(repeat.id))
      rejections.push(rejection(repeat.index, repeat.id, ErrorCode.EventConflict, conflictReason));
    else duplicates.push(repeat.id);
  }
  const commitSeconds = (performance.now() - started) / 1000;
  deps.edges?.committed(batch);
  // Excursion records are upserts made after the commit, from resent conditions too: if this fails, no ack
  // leaves and the edge's resend (all duplicates then) makes them.
  const applied = new Set([...result.committed, ...result.duplicates]);
  const retold = await recordExcursions(deps, checked, applied, result.alerts);
  deps.alerts.publish(withChanges(result.alerts, retold));
  // Heard from: what the EDGE_NOT_HEARD rule reads. A failure here must not fail the batch (it committed).
  await deps.store.alerting
    .recordContact(batch.edgeId, batch.siteId, (deps.now?.() ?? new Date()).toISOString())
    .catch(() => undefined);

  const ack: CommitAck = {
    v: 1,
    edgeId: batch.edgeId,
    batchId: batch.batchId,
    seq: batch.seq,
    status: "committed",
    committed: result.committed,
    duplicates,
    rejected: rejections.sort((a, b) => a.index - b.index),
    ...(readings !== undefined && { readings: { committed: readings.taken } }),
    committedAt: (deps.now?.() ?? new Date()).toISOString(),
  };
  deps.observe?.(ack, commitSeconds);
  return ack;
}

/**
 * Keeps the events that fit their site (its imported locations, the item
 * master, a sane time), adding a rejection with the reason for each other.
 */
/** The facts of a site with every location and SKU the events name looked up. */
async function siteFactsFor(
  deps: IngestDeps,
  siteId: string,
  events: readonly EdgeEvent[],
  readings: ReadingColumns | undefined,
): Promise<SiteFacts> {
  const locations = new Set<string>();
  const skus = new Set<string>();
  // The envelope checked the columns' shape; a series' location is looked up if it is text (judged later).
  for (const series of readings?.series ?? []) if (typeof series[4] === "string") locations.add(series[4]);
  for (const event of events) {
    // A reading names one location at most: added without making a list of one (thousands a batch).
    if (event.kind === "telemetry") {
      if (event.location !== undefined) locations.add(event.location);
      continue;
    }
    for (const location of locationsOf(event)) locations.add(location);
    if (event.kind === "movement") skus.add(event.sku);
  }
  return deps.siteFacts.facts(siteId, { locations, skus });
}

function checkEvents(
  deps: IngestDeps,
  facts: SiteFacts,
  events: readonly EdgeEvent[],
  first: ReadonlyMap<string, { index: number }>,
): { kept: EdgeEvent[]; refused: Map<string, EventRejection> } {
  const refused = new Map<string, EventRejection>();
  const nowMs = (deps.now?.() ?? new Date()).getTime();
  const kept: EdgeEvent[] = [];
  for (const event of events) {
    const problem = checkAgainstSite(event, facts, nowMs, deps.timeWindow);
    if (problem === undefined) kept.push(event);
    else refused.set(event.id, rejection(first.get(event.id)?.index ?? 0, event.id, problem.code, problem.reason));
  }
  return { kept, refused };
}

/** The commit's alerts with those changed since in their place (by id), and the others changed after them. */
function withChanges(alerts: readonly Alert[], changed: readonly Alert[]): Alert[] {
  if (changed.length === 0) return [...alerts];
  const byId = new Map(changed.map((a) => [a.id, a]));
  const merged = alerts.map((a) => byId.get(a.id) ?? a);
  const seen = new Set(alerts.map((a) => a.id));
  return [...merged, ...changed.filter((a) => !seen.has(a.id))];
}

/** The ack for a batch refused whole (e.g. its topic names another edge): every event is rejected. */
export function rejectBatch(batch: EdgeBatch, error: Rejection, now: Date = new Date()): CommitAck {
  return {
    v: 1,
    edgeId: batch.edgeId,
    batchId: batch.batchId,
    seq: batch.seq,
    status: "rejected",
    committed: [],
    duplicates: [],
    rejected: [
      ...batch.events.map((raw, index) => rejection(index, idOf(raw), error.code, error.reason)),
      ...(batch.readings?.id ?? []).map((raw, i) =>
        rejection(batch.events.length + i, idOf({ id: raw }), error.code, error.reason),
      ),
    ],
    committedAt: now.toISOString(),
  };
}

/**
 * An event as the schema reads it, or the schema's issues. A telemetry event in its usual form, most of a
 * large batch, is checked without the schema's copy of it (`acceptedTelemetry`); anything else, and anything
 * it is unsure of, goes to the schema, so every refusal keeps the schema's wording.
 */
function parseEvent(raw: unknown): EdgeEvent | { error: z.ZodError } {
  const telemetry = acceptedTelemetry(raw);
  if (telemetry !== undefined) return telemetry;
  const parsed = safeParseUntrusted(EdgeEvent, raw);
  return parsed.success ? parsed.data : { error: parsed.error };
}

function rejection(index: number, id: string | undefined, code: ErrorCode, reason: string): EventRejection {
  return id === undefined ? { index, code, reason } : { id, index, code, reason };
}

function idOf(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null || !("id" in raw)) return undefined;
  return typeof raw.id === "string" && raw.id.length <= 128 ? raw.id : undefined;
}
