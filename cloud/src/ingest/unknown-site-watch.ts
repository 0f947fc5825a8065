import type { Condition } from "@tally/protocols";
import type { Logger } from "pino";
import type { AlertHub } from "../alerts/alert-hub.js";
import { derivedId } from "../ledger/derived-id.js";
import type { LedgerStore } from "../ledger/ledger-store.js";

/** A site's alert is raised again (and the warning logged) at most this often while its batches keep coming, ms. */
const REPEAT_MS = 60_000;
const REMEMBERED_SITES = 1000;

/**
 * Says so when batches arrive for a site the cloud has no layout for (they
 * are refused whole and wait at the edge): a warning in the log and a
 * SITE_LAYOUT_MISSING alert for the site, at most once a minute per site
 * (the refused events are counted by `tally_cloud_events_rejected_total`
 * with code `TALLY_ERR_SITE_UNKNOWN`). The alert clears when a batch of the
 * site is taken again.
 */
export class UnknownSiteWatch {
  readonly #deps: { store: LedgerStore; alerts: AlertHub; logger: Logger };
  readonly #now: () => number;
  readonly #raised = new Map<string, number>();

  constructor(deps: { store: LedgerStore; alerts: AlertHub; logger: Logger }, now: () => number = Date.now) {
    this.#deps = deps;
    this.#now = now;
  }

  /** A batch for `siteId` was refused: the site has no imported layout. */
  async unknown(siteId: string, edgeId: string): Promise<void> {
    const now = this.#now();
    const last = this.#raised.get(siteId);
    if (last !== undefined && now - last < REPEAT_MS) return;
    if (this.#raised.size >= REMEMBERED_SITES) this.#raised.clear();
    this.#raised.set(siteId, now);
    const detail = `edge ${edgeId} sends batches for site ${siteId}, which has no imported layout: they wait at the edge until an administrator imports the site file (tally site import)`;
    this.#deps.logger.warn({ siteId, edgeId }, "batches for a site without a layout are refused whole");
    await this.#record(siteId, edgeId, "raised", detail, now);
  }

  /** A batch for `siteId` was taken: clears its alert if this instance raised one. */
  async known(siteId: string, edgeId: string): Promise<void> {
    if (!this.#raised.has(siteId)) return;
    this.#raised.delete(siteId);
    await this.#record(siteId, edgeId, "cleared", `site ${siteId} has a layout now`, this.#now());
  }

  async #record(siteId: string, edgeId: string, state: "raised" | "cleared", detail: string, nowMs: number) {
    const at = new Date(nowMs).toISOString();
    const name = `site-layout-missing:${siteId}:${state}:${at}`;
    const condition: Condition = {
      kind: "condition",
      id: derivedId(name),
      siteId,
      occurredAt: at,
      conditionType: "SITE_LAYOUT_MISSING",
      state,
      key: `SITE_LAYOUT_MISSING:${siteId}`,
      deviceId: edgeId,
      detail: detail.slice(0, 1000),
    };
    const result = await this.#deps.store.commit(
      { edgeId: "cloud", siteId, batchId: derivedId(`batch:${name}`), seq: 0 },
      [condition],
    );
    this.#deps.alerts.publish(result.alerts);
  }
}
