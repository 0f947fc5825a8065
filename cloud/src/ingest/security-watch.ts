import type { Logger } from "pino";
import type { AlertHub } from "../alerts/alert-hub.js";
import type { Principal } from "../auth/principal.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import type { IngestObserver } from "../plugins/metrics.js";
import { recordForgery } from "./forgery-alerts.js";

/** One refusal for security, wherever it happened. */
export interface SecurityRefusal {
  where: "broker" | "mqtt" | "http";
  /** Stable label: auth-failed, forged-batch, forged-ack, unknown-edge, envelope-mismatch, ... */
  refusal: string;
  reason: string;
  /** Who it was, when authenticated. */
  principal?: Principal | undefined;
  /** The site it concerned, when known (an alert needs one). */
  siteId?: string | undefined;
  /** The client id or address, when there is no principal. */
  source?: string | undefined;
}

/** Refusals that mean someone tried to speak for an edge or the cloud: these raise an alert. */
const FORGERIES = new Set(["forged-batch", "forged-ack", "unknown-edge", "envelope-mismatch"]);
/** A repeated refusal from one source is logged at warn once a minute, then at debug. */
const WARN_EVERY_MS = 60_000;
const REMEMBERED_SOURCES = 1000;

/**
 * Where every security refusal goes: counted (metrics), logged (throttled
 * per source so a flood cannot flood the log) and, for forgeries, raised as
 * a FORGED_MESSAGE alert for the site concerned.
 */
export class SecurityWatch {
  readonly #deps: { store: LedgerStore; alerts: AlertHub; logger: Logger; observer?: IngestObserver | undefined };
  readonly #lastWarn = new Map<string, number>();
  readonly #now: () => number;

  constructor(
    deps: { store: LedgerStore; alerts: AlertHub; logger: Logger; observer?: IngestObserver | undefined },
    now: () => number = Date.now,
  ) {
    this.#deps = deps;
    this.#now = now;
  }

  refused(event: SecurityRefusal): void {
    this.#deps.observer?.refused(event.where, event.refusal);
    const offender = event.principal?.name ?? event.source ?? "unknown";
    const key = `${event.refusal}:${event.principal?.id ?? offender}`;
    const now = this.#now();
    const last = this.#lastWarn.get(key);
    const details = {
      where: event.where,
      refusal: event.refusal,
      reason: event.reason,
      offender,
      siteId: event.siteId,
    };
    if (last === undefined || now - last >= WARN_EVERY_MS) {
      if (this.#lastWarn.size >= REMEMBERED_SOURCES) this.#lastWarn.clear();
      this.#lastWarn.set(key, now);
      this.#deps.logger.warn(details, "refused for security");
    } else {
      this.#deps.logger.debug(details, "refused for security");
    }
    const siteId = event.siteId ?? event.principal?.sites?.[0];
    if (!FORGERIES.has(event.refusal) || siteId === undefined) return;
    recordForgery(this.#deps, { siteId, key, offender, detail: event.reason }).catch((error: unknown) =>
      this.#deps.logger.error({ err: error }, "could not record the forgery alert"),
    );
  }
}
