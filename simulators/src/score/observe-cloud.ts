import { setTimeout as sleep } from "node:timers/promises";
import { CommitAck, EdgeBatch, safeParseUntrusted } from "@tally/protocols";
import { connectAsync, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { SimulatorError, SimulatorErrorCode } from "../simulator-error.js";
import { readColdChain } from "./observe-cold-chain.js";
import type { ObservedState, RecordedMovement, RecordedSignal } from "./score-run.js";

/** Most movements per page (`GET /v1/movements?limit=`). */
const PAGE = 1000;

/**
 * Watches the cloud's broker for edge batches and their commit
 * acknowledgements, so the scorer knows when each event was committed (the
 * ledger's rows do not say). Holds one number per movement, task and raised
 * condition; telemetry is skipped.
 */
export interface CommitTracker {
  /** Commit time by event id, ms since the epoch. */
  readonly commitTimes: ReadonlyMap<string, number>;
  /** Commit time of the raised condition behind an alert (`dedupKey` + `raisedAt`). */
  conditionCommit(key: string, occurredAt: string): number | undefined;
  /** Wall clock of the last acknowledgement seen, ms since the epoch (0 = none). */
  readonly lastAckAt: number;
  close(): Promise<void>;
}

/**
 * `token`: a person's token (viewer or above) at the cloud: its broker lets
 * people watch batches and acknowledgements of the sites they cover.
 */
export async function trackCommits(cloudMqttUrl: string, logger: Logger, token?: string): Promise<CommitTracker> {
  const client: MqttClient = await connectAsync(cloudMqttUrl, {
    clientId: `tally-scorer-${process.pid}-${Date.now()}`,
    clean: true,
    reconnectPeriod: 1000,
    ...(token !== undefined && { username: "tally-scorer", password: token }),
  });
  const commitTimes = new Map<string, number>();
  const conditions = new Map<string, string>();
  const tracked = new Set<string>();
  let lastAckAt = 0;
  client.on("message", (topic, payload) => {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      return;
    }
    if (topic.endsWith("/batch")) {
      const batch = safeParseUntrusted(EdgeBatch, json);
      if (!batch.success) return;
      for (const e of batch.data.events) {
        if (typeof e !== "object" || e === null || !("id" in e) || typeof e.id !== "string") continue;
        const kind = "kind" in e ? e.kind : undefined;
        if (kind === "telemetry") continue;
        tracked.add(e.id);
        if (kind === "condition" && "key" in e && "occurredAt" in e && "state" in e && e.state === "raised") {
          conditions.set(`${String(e.key)}\u0000${String(e.occurredAt)}`, e.id);
        }
      }
      return;
    }
    const ack = safeParseUntrusted(CommitAck, json);
    if (!ack.success) return;
    lastAckAt = Date.now();
    const at = Date.parse(ack.data.committedAt);
    for (const id of [...ack.data.committed, ...ack.data.duplicates]) {
      if (tracked.has(id) && !commitTimes.has(id)) commitTimes.set(id, at);
    }
  });
  client.on("error", (err) => logger.warn({ err: err.message }, "scorer: cloud broker error"));
  await client.subscribeAsync(["tally/v1/+/edge/+/batch", "tally/v1/+/edge/+/ack"], { qos: 1 });
  return {
    commitTimes,
    conditionCommit(key, occurredAt) {
      const id = conditions.get(`${key}\u0000${occurredAt}`);
      return id === undefined ? undefined : commitTimes.get(id);
    },
    get lastAckAt() {
      return lastAckAt;
    },
    async close() {
      await client.endAsync(true);
    },
  };
}

async function getJson<T>(url: string, token?: string): Promise<T> {
  const res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new SimulatorError(SimulatorErrorCode.StartFailed, `GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Every page of a list route that answers `{ [key]: T[], next? }` (`limit=1000&after=<next>`). */
async function allPages<T>(base: string, path: string, key: string, token?: string): Promise<T[]> {
  const all: T[] = [];
  let after: string | undefined;
  for (;;) {
    const url = `${base}${path}?limit=${PAGE}${after === undefined ? "" : `&after=${encodeURIComponent(after)}`}`;
    const page = await getJson<Record<string, unknown>>(url, token);
    all.push(...((page[key] as T[] | undefined) ?? []));
    if (typeof page.next !== "string" && typeof page.next !== "number") return all;
    after = String(page.next);
  }
}

/**
 * Reads the cloud's state over its HTTP API, every page of each list:
 * `GET /v1/stock`, `GET /v1/movements` (`limit=1000&after=<last id>`),
 * `GET /v1/alerts` and `GET /v1/tasks`, plus the cold chain's alerts and
 * excursion records (`readColdChain`). `token`: a bearer token (a viewer's
 * suffices) when the cloud does not open its reads.
 */
export async function readCloudState(apiUrl: string, tracker?: CommitTracker, token?: string): Promise<ObservedState> {
  const base = apiUrl.replace(/\/$/, "");
  const stock = {
    positions: await allPages<{ sku: string; location: string; qty: number }>(base, "/v1/stock", "positions", token),
  };
  const movements: RecordedMovement[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await getJson<{ movements: RecordedMovement[] }>(
      `${base}/v1/movements?limit=${PAGE}${after === undefined ? "" : `&after=${encodeURIComponent(after)}`}`,
      token,
    );
    movements.push(...page.movements);
    if (page.movements.length < PAGE) break;
    after = page.movements.at(-1)?.id;
    if (after === undefined) break;
  }
  const alerts = await allPages<{
    id: string;
    dedupKey: string;
    kind: string;
    location?: string;
    sku?: string;
    raisedAt: string;
  }>(base, "/v1/alerts", "alerts", token);
  const tasks = await allPages<{
    id: string;
    taskType: string;
    location: string;
    sku?: string;
    epc?: string;
    occurredAt: string;
  }>(base, "/v1/tasks", "tasks", token);
  const signals: RecordedSignal[] = [
    ...alerts.map((a): RecordedSignal => {
      const committedAtMs = tracker?.conditionCommit(a.dedupKey, a.raisedAt);
      return {
        source: "alert",
        id: a.id,
        type: a.kind,
        ...(a.location !== undefined && { location: a.location }),
        ...(a.sku !== undefined && { sku: a.sku }),
        raisedAt: a.raisedAt,
        ...(committedAtMs !== undefined && { committedAtMs }),
      };
    }),
    ...tasks.map((t): RecordedSignal => {
      const committedAtMs = tracker?.commitTimes.get(t.id);
      return {
        source: "task",
        id: t.id,
        type: t.taskType,
        location: t.location,
        ...(t.sku !== undefined && { sku: t.sku }),
        ...(t.epc !== undefined && { epc: t.epc }),
        raisedAt: t.occurredAt,
        ...(committedAtMs !== undefined && { committedAtMs }),
      };
    }),
  ];
  return {
    positions: stock.positions.map(({ sku, location, qty }) => ({ sku, location, qty })),
    movements,
    signals,
    ...(tracker !== undefined && { commitTimes: tracker.commitTimes }),
    coldChain: await readColdChain(base, tracker, token),
  };
}

/**
 * For an edge we cannot ask: waits until the cloud's state stops changing
 * (stock total and positions, alert and task counts, and the last commit
 * acknowledgement seen) for `quietMs`, polling every 250 ms; gives up after
 * `timeoutMs` and returns false.
 */
export async function waitForQuietCloud(
  apiUrl: string,
  {
    quietMs = 3000,
    timeoutMs = 120_000,
    tracker,
    token,
  }: { quietMs?: number; timeoutMs?: number; tracker?: CommitTracker; token?: string | undefined } = {},
): Promise<boolean> {
  const base = apiUrl.replace(/\/$/, "");
  const deadline = Date.now() + timeoutMs;
  let last = "";
  let since = Date.now();
  while (Date.now() < deadline) {
    // One entry is enough: the totals cover the whole ledger, the page's `next` and last id say whether lists grew.
    const stock = await getJson<{ totalPositions: number; totalQty: number }>(`${base}/v1/stock?limit=1`, token);
    const alerts = await allPages<{ id: string; status: string }>(base, "/v1/alerts", "alerts", token);
    const tasks = await allPages<{ id: string; status: string }>(base, "/v1/tasks", "tasks", token);
    const signature = JSON.stringify([
      stock.totalQty,
      stock.totalPositions,
      alerts.length,
      tasks.length,
      tracker?.lastAckAt ?? 0,
    ]);
    if (signature !== last) {
      last = signature;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return true;
    }
    await sleep(250);
  }
  return false;
}
