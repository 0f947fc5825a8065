import { mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Item, ReferenceData, safeParseUntrusted } from "@tally/protocols";
import type { Logger } from "pino";
import { BehaviorSubject, type Observable } from "rxjs";
import type { ReferencePollOutcome } from "../domain/reference-stale-watch.js";
import { ReferenceView, siteOnlyReference } from "../domain/reference-view.js";

export interface ReferenceDataSyncOptions {
  /** The cloud's API, e.g. `http://127.0.0.1:8080`. */
  cloudUrl: string;
  siteId: string;
  /** Bearer token for the cloud (an `edge` role token), when the API requires one. */
  token?: string | undefined;
  /** How often to ask the cloud, ms. */
  pollMs: number;
  /** Where the last copy is kept, to work from while the cloud is unreachable; none keeps it in memory only. */
  cacheFile?: string | undefined;
  siteItems: readonly Item[];
  logger: Logger;
  /** Told after each poll whether the cloud confirmed the copy (a new one, or 304) or why not. */
  onPolled?: (outcome: ReferencePollOutcome) => void;
}

export interface ReferenceDataSync {
  /** The current reference data; a new value whenever the cloud's copy changes. */
  reference$: Observable<ReferenceView>;
  /** When the copy in use was made by the cloud (ISO), or undefined for the site file alone. */
  asOf(): string | undefined;
  /** When the cloud last confirmed the copy in use (ISO): a new copy or "not modified"; undefined: not yet. */
  confirmedAt(): string | undefined;
  close(): void;
}

/**
 * Keeps the edge's copy of the item master and the open expected receipts
 * and shipments: starts from the cached copy on disk (so an edge that starts
 * while the cloud is unreachable still knows its ASNs), then polls
 * `GET /v1/sites/{site}/reference-data` with `If-None-Match`, validating and
 * caching each new copy (written to a temporary file, then renamed).
 * Failures are logged and retried at the next poll; the last copy stays in use.
 */
export async function startReferenceDataSync(options: ReferenceDataSyncOptions): Promise<ReferenceDataSync> {
  const { logger, siteItems } = options;
  let current: ReferenceData | undefined;
  if (options.cacheFile !== undefined) {
    try {
      const cached = safeParseUntrusted(ReferenceData, JSON.parse(await readFile(options.cacheFile, "utf8")));
      if (cached.success && cached.data.siteId === options.siteId) current = cached.data;
      else logger.warn({ file: options.cacheFile }, "cached reference data is not valid; ignoring it");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        logger.warn({ err: (error as Error).message }, "cannot read cached reference data");
      }
    }
  }
  const view = (data: ReferenceData | undefined) =>
    data === undefined ? siteOnlyReference(siteItems) : new ReferenceView(siteItems, data);
  const subject = new BehaviorSubject<ReferenceView>(view(current));
  let etag: string | undefined;
  let failing = false;
  const url = `${options.cloudUrl.replace(/\/$/, "")}/v1/sites/${encodeURIComponent(options.siteId)}/reference-data`;

  const poll = async (): Promise<ReferencePollOutcome> => {
    try {
      const response = await fetch(url, {
        headers: {
          accept: "application/json",
          ...(etag !== undefined ? { "if-none-match": etag } : {}),
          ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
        },
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 304) {
        if (failing) logger.info("reference data reachable again");
        failing = false;
        return { ok: true };
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const parsed = safeParseUntrusted(ReferenceData, await response.json());
      if (!parsed.success)
        throw new Error(`reference data does not match the contract: ${parsed.error.issues[0]?.message}`);
      etag = response.headers.get("etag") ?? undefined;
      if (failing) logger.info("reference data reachable again");
      failing = false;
      // On disk first: what the edge works from is always what it would restart from.
      if (options.cacheFile !== undefined) {
        mkdirSync(dirname(options.cacheFile), { recursive: true });
        const tmp = `${options.cacheFile}.tmp`;
        await writeFile(tmp, JSON.stringify(parsed.data));
        await rename(tmp, options.cacheFile);
      }
      current = parsed.data;
      subject.next(view(current));
      return { ok: true };
    } catch (error) {
      if (!failing)
        logger.warn(
          { err: (error as Error).message, url },
          "cannot refresh reference data; working from the last copy",
        );
      failing = true;
      return { ok: false, error: (error as Error).message };
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let confirmedAt: string | undefined;
  const loop = async () => {
    const outcome = await poll();
    if (outcome.ok) confirmedAt = new Date().toISOString();
    if (!stopped) options.onPolled?.(outcome);
    if (!stopped) timer = setTimeout(loop, options.pollMs);
  };
  void loop();
  return {
    reference$: subject.asObservable(),
    asOf: () => current?.asOf,
    confirmedAt: () => confirmedAt,
    close: () => {
      stopped = true;
      clearTimeout(timer);
      subject.complete();
    },
  };
}
