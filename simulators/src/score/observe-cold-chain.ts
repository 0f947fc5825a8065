import { SimulatorError, SimulatorErrorCode } from "../simulator-error.js";
import type { CommitTracker } from "./observe-cloud.js";
import type { ObservedColdChain, ObservedExcursion, ObservedRaise, ObservedStockAtRisk } from "./score-cold-chain.js";

/** Items per page asked of `/v1/alerts` and `/v1/excursions` (within every list route's maximum). */
const PAGE = 100;
/** Timeline actions by which an alert's cause was raised again. */
const RAISES: ReadonlySet<string> = new Set(["raised", "occurred-again", "re-opened"]);

interface AlertRow {
  id: string;
  dedupKey: string;
  deviceId?: string;
  location?: string;
  raisedAt: string;
}

/** GET as JSON; `undefined` when the route is not there (404) or refuses the query (400: an older cloud). */
async function getOptional<T>(url: string, token?: string): Promise<T | undefined> {
  const res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 404 || res.status === 400) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok) throw new SimulatorError(SimulatorErrorCode.StartFailed, `GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Every page of `path` (which may carry a query) answering `{ [key]: T[], next? }`; undefined if it is not there. */
async function pages<T>(base: string, path: string, key: string, token?: string): Promise<T[] | undefined> {
  const all: T[] = [];
  let after: string | undefined;
  const join = path.includes("?") ? "&" : "?";
  for (;;) {
    const url = `${base}${path}${join}limit=${PAGE}${after === undefined ? "" : `&after=${encodeURIComponent(after)}`}`;
    const page = await getOptional<Record<string, unknown>>(url, token);
    if (page === undefined) return all.length === 0 ? undefined : all;
    all.push(...((page[key] as T[] | undefined) ?? []));
    if (typeof page.next !== "string" && typeof page.next !== "number") return all;
    after = String(page.next);
  }
}

/**
 * Reads what the cloud says about the cold chain: every TEMPERATURE_EXCURSION
 * alert with its timeline (each raise of its cause: one alert per sensor
 * lives on across excursions), TEMPERATURE_RATE alerts, and the excursion
 * records with their stock at risk (`GET /v1/excursions`, then each by id).
 * A cloud without `/v1/excursions` (404) leaves `excursions` undefined.
 */
export async function readColdChain(
  apiUrl: string,
  tracker?: CommitTracker,
  token?: string,
): Promise<ObservedColdChain> {
  const base = apiUrl.replace(/\/$/, "");
  const alerts = (await pages<AlertRow>(base, "/v1/alerts?kind=TEMPERATURE_EXCURSION", "alerts", token)) ?? [];
  const raises: ObservedRaise[] = [];
  for (const a of alerts) {
    const read = await getOptional<{ timeline?: { at: string; by: string; action: string }[] }>(
      `${base}/v1/alerts/${encodeURIComponent(a.id)}`,
      token,
    );
    const times = (read?.timeline ?? []).filter((t) => t.by === "system" && RAISES.has(t.action)).map((t) => t.at);
    for (const at of times.length > 0 ? times : [a.raisedAt]) {
      const committedAtMs = tracker?.conditionCommit(a.dedupKey, at);
      raises.push({
        alertId: a.id,
        ...(a.deviceId !== undefined && { deviceId: a.deviceId }),
        ...(a.location !== undefined && { location: a.location }),
        at,
        ...(committedAtMs !== undefined && { committedAtMs }),
      });
    }
  }
  const rate = (await pages<AlertRow>(base, "/v1/alerts?kind=TEMPERATURE_RATE", "alerts", token)) ?? [];
  const rateAlerts = rate.map((a) => ({
    ...(a.deviceId !== undefined && { deviceId: a.deviceId }),
    ...(a.location !== undefined && { location: a.location }),
    raisedAt: a.raisedAt,
  }));
  const list = await pages<ObservedExcursion>(base, "/v1/excursions", "items", token);
  if (list === undefined) return { raises, rateAlerts };
  const excursions: ObservedExcursion[] = [];
  for (const x of list) {
    const one = await getOptional<{ stockAtRisk?: ObservedStockAtRisk[] }>(
      `${base}/v1/excursions/${encodeURIComponent(x.id)}`,
      token,
    );
    excursions.push({
      id: x.id,
      deviceId: x.deviceId,
      ...(x.zone !== undefined && { zone: x.zone }),
      startedAt: x.startedAt,
      ...(x.endedAt !== undefined && { endedAt: x.endedAt }),
      ...(one?.stockAtRisk !== undefined && { stockAtRisk: one.stockAtRisk }),
    });
  }
  return { raises, rateAlerts, excursions };
}
