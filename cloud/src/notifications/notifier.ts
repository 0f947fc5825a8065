import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { ErrorCode } from "@tally/protocols";
import type { Logger } from "pino";
import { newId } from "../ledger/new-id.js";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { DEFAULT_GROUPING, type GroupingOptions } from "./group-events.js";
import type { AttemptRecord, ClaimedDelivery, NotificationStore } from "./notification-store.js";
import { planDeliveries } from "./plan-deliveries.js";
import { SIGNATURE_HEADER, signWebhook } from "./sign-webhook.js";
import type { Webhook } from "./webhook.js";

/** The header that names a delivery; the same on every retry, so a receiver can drop one it already has. */
export const DELIVERY_ID_HEADER = "Tally-Delivery-Id";

/** Schedules `fn` after `ms`; returns what cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void;

/** How an attempt ended: taken (2xx), or why not. */
export type AttemptOutcome = "delivered" | "refused" | "timeout" | "unreachable";

/** Where the notifier reports what it did (metrics, `notifierMetrics`); all optional. */
export interface NotifierObserver {
  attempted?(outcome: AttemptOutcome, webhookId: string): void;
  planned?(deliveries: number): void;
  /** Outbox rows that held no alert event, removed without a delivery. */
  malformed?(rows: number): void;
  /** A round that failed as a whole (the database away). */
  roundFailed?(): void;
}

export interface NotifierOptions {
  store: NotificationStore;
  logger: Logger;
  /** Names this process in delivery leases; default host, pid and a random suffix. */
  owner?: string;
  /** The clock, ms since the epoch (virtual in tests). Default `Date.now`. */
  now?: () => number;
  /** Timers (virtual in tests). Default: `setTimeout`, unref'd (the notifier never keeps a process alive). */
  schedule?: Schedule;
  /** HTTP client. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** How often the loop looks for work, ms. Default 1000. */
  pollMs?: number;
  grouping?: Partial<GroupingOptions>;
  backoff?: Partial<BackoffOptions>;
  /** [0, 1), for the backoff's jitter. Default `Math.random`. */
  random?: () => number;
  /** How long a receiver may take to answer, ms. Default 10,000. */
  timeoutMs?: number;
  /** How long a claimed delivery is this process's alone, ms; longer than the timeout. Default timeout + 30,000. */
  leaseMs?: number;
  /** Deliveries claimed and sent at once. Default 20. */
  batchSize?: number;
  /** How long a webhook fails before `onReceiverFailing`, ms. Default 10 minutes. */
  failingAfterMs?: number;
  /** A webhook has failed every attempt since `sinceIso` for longer than `failingAfterMs` (told once, by one process). */
  onReceiverFailing?: (webhook: Webhook, sinceIso: string) => void;
  /** A webhook told as failing answered a delivery again. */
  onReceiverRecovered?: (webhook: Webhook) => void;
  observer?: NotifierObserver;
}

/** What one round of the loop did. */
export interface TickResult {
  planned: number;
  delivered: number;
  failed: number;
}

const defaultSchedule: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** Rounds of claiming per tick: a backlog drains over several ticks instead of starving the failing check. */
const MAX_CLAIM_ROUNDS = 10;

/**
 * Sends alert notifications to webhooks: one loop per cloud process. Each
 * round groups due outbox events into deliveries, claims due deliveries
 * under a lease (so two processes on one PostgreSQL never send one twice),
 * POSTs each signed body, records the attempt and, on failure, schedules the
 * next with exponential backoff — for as long as it takes: a delivery is
 * never dropped. Everything it works on is in the database, so a restart
 * loses nothing.
 */
export class Notifier {
  readonly owner: string;
  readonly #store: NotificationStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #schedule: Schedule;
  readonly #fetch: typeof fetch;
  readonly #pollMs: number;
  readonly #grouping: GroupingOptions;
  readonly #backoff: BackoffOptions;
  readonly #random: () => number;
  readonly #timeoutMs: number;
  readonly #leaseMs: number;
  readonly #batchSize: number;
  readonly #failingAfterMs: number;
  readonly #options: NotifierOptions;
  #cancel: (() => void) | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #started = false;
  #closed = false;

  constructor(options: NotifierOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#logger = options.logger;
    this.owner = options.owner ?? `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
    this.#now = options.now ?? Date.now;
    this.#schedule = options.schedule ?? defaultSchedule;
    this.#fetch = options.fetch ?? fetch;
    this.#pollMs = options.pollMs ?? 1000;
    const windowMs = options.grouping?.windowMs ?? DEFAULT_GROUPING.windowMs;
    this.#grouping = { windowMs, criticalWindowMs: options.grouping?.criticalWindowMs ?? windowMs };
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#random = options.random ?? Math.random;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#leaseMs = Math.max(options.leaseMs ?? this.#timeoutMs + 30_000, this.#timeoutMs + 1000);
    this.#batchSize = options.batchSize ?? 20;
    this.#failingAfterMs = options.failingAfterMs ?? 600_000;
  }

  /** Starts the loop: a round now, then one every `pollMs` after the previous ends. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#next(0);
  }

  /** Stops the loop and waits for the round in progress (its attempts are recorded). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cancel?.();
    this.#cancel = undefined;
    await this.#running;
  }

  #next(ms: number): void {
    if (this.#closed) return;
    this.#cancel = this.#schedule(() => {
      this.#cancel = undefined;
      this.#running = this.tick()
        .catch((error: unknown) => {
          // The database may be away for a while (a restart): the next round tries again.
          this.#logger.error({ err: error }, "notifier round failed");
          this.#options.observer?.roundFailed?.();
        })
        .finally(() => this.#next(this.#pollMs));
    }, ms);
  }

  /** One round: plan, send what is due, tell of failing receivers. Tests call it directly in virtual time. */
  async tick(): Promise<TickResult> {
    const nowMs = this.#now();
    const { created: planned, malformed } = await this.#store.createDeliveries(
      (pending, webhooks) => planDeliveries(pending, webhooks, nowMs, this.#grouping, newId),
      new Date(nowMs).toISOString(),
    );
    if (planned > 0) this.#options.observer?.planned?.(planned);
    if (malformed.length > 0) {
      // Only a damaged row gets here (the alert core writes typed events): it is dropped so the rest flows.
      this.#logger.error({ seqs: malformed }, "notification outbox rows that hold no alert event: removed");
      this.#options.observer?.malformed?.(malformed.length);
    }
    const result: TickResult = { planned, delivered: 0, failed: 0 };
    for (let round = 0; round < MAX_CLAIM_ROUNDS && !this.#closed; round++) {
      const at = this.#now();
      const claimed = await this.#store.claimDue({
        owner: this.owner,
        nowIso: new Date(at).toISOString(),
        leaseUntilIso: new Date(at + this.#leaseMs).toISOString(),
        limit: this.#batchSize,
      });
      const outcomes = await Promise.all(claimed.map((d) => this.#deliver(d)));
      for (const ok of outcomes) {
        if (ok) result.delivered += 1;
        else result.failed += 1;
      }
      if (claimed.length < this.#batchSize) break;
    }
    await this.#reportFailing();
    return result;
  }

  /** Sends one delivery and records the attempt; true when the receiver took it. */
  async #deliver(delivery: ClaimedDelivery): Promise<boolean> {
    const attemptNo = delivery.attempts + 1;
    const atMs = this.#now();
    const started = performance.now();
    const outcome = await this.#post(delivery, atMs);
    const attempt: AttemptRecord["attempt"] = {
      attempt: attemptNo,
      at: new Date(atMs).toISOString(),
      ...(outcome.statusCode !== undefined && { statusCode: outcome.statusCode }),
      ...(outcome.error !== undefined && { error: outcome.error }),
      durationMs: Math.round(performance.now() - started),
    };
    const ok = outcome.error === undefined;
    const nextAttemptAt = ok
      ? undefined
      : new Date(this.#now() + backoffDelay(attemptNo, this.#backoff, this.#random)).toISOString();
    const { recovered } = await this.#store.recordAttempt({
      deliveryId: delivery.id,
      owner: this.owner,
      attempt,
      ...(nextAttemptAt !== undefined && { nextAttemptAt }),
    });
    this.#options.observer?.attempted?.(outcome.outcome, delivery.webhook.id);
    const log = { deliveryId: delivery.id, webhookId: delivery.webhook.id, attempt: attemptNo };
    if (ok) this.#logger.debug(log, "webhook delivered");
    else this.#logger.warn({ ...log, error: outcome.error, nextAttemptAt }, "webhook delivery failed; will retry");
    if (recovered !== undefined) {
      this.#logger.info({ webhookId: recovered.id }, "webhook receiver answers again");
      this.#tell(() => this.#options.onReceiverRecovered?.(recovered));
    }
    return ok;
  }

  async #post(
    delivery: ClaimedDelivery,
    atMs: number,
  ): Promise<{ outcome: AttemptOutcome; statusCode?: number; error?: string }> {
    try {
      const response = await this.#fetch(delivery.webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "tally-notifier",
          [SIGNATURE_HEADER]: signWebhook(delivery.body, delivery.webhook.secret, atMs),
          [DELIVERY_ID_HEADER]: delivery.id,
        },
        body: delivery.body,
        // A redirect is a failure, not followed: the signed body goes to the URL an admin registered, nowhere else.
        redirect: "manual",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      // The answer's body is not read: a receiver cannot make the notifier hold a large one in memory.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { outcome: "delivered", statusCode: response.status };
      return {
        outcome: "refused",
        statusCode: response.status,
        error: `${ErrorCode.WebhookRefused}: HTTP ${response.status}`,
      };
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        return { outcome: "timeout", error: `${ErrorCode.WebhookTimeout}: no answer within ${this.#timeoutMs} ms` };
      }
      return { outcome: "unreachable", error: `${ErrorCode.WebhookUnreachable}: ${describe(error)}` };
    }
  }

  /** A callback that throws is logged: each failure and recovery is marked told already, the loop goes on. */
  #tell(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#logger.error({ err: error }, "notifier callback failed");
    }
  }

  async #reportFailing(): Promise<void> {
    const nowMs = this.#now();
    const failing = await this.#store.takeFailing(
      new Date(nowMs).toISOString(),
      new Date(nowMs - this.#failingAfterMs).toISOString(),
    );
    for (const { webhook, since } of failing) {
      this.#logger.warn({ webhookId: webhook.id, since }, "webhook receiver failing");
      this.#tell(() => this.#options.onReceiverFailing?.(webhook, since));
    }
  }
}

/** fetch's own message is "fetch failed": the reason is in its cause (ECONNREFUSED, ENOTFOUND, …). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === "string" ? `${code} ${cause.message}` : cause.message;
  }
  return error.message;
}
