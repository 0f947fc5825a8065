import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Condition, EdgeBatch, EdgeEvent, Movement, SiteLayout } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import { type Logger, pino } from "pino";
import { openSqliteLedgerStore } from "../adapters/sqlite-ledger-store.js";
import { SqliteTelemetryStore } from "../adapters/sqlite-telemetry-store.js";
import { AlertHub } from "../alerts/alert-hub.js";
import { type AppDeps, buildApp } from "../app.js";
import { Credentials, parseBootstrapTokens } from "../auth/credentials.js";
import { hashSecret, newToken } from "../auth/token-secret.js";
import type { SiteFactsSource } from "../ingest/site-checks.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { TelemetryForwarder } from "../telemetry/telemetry-forwarder.js";

/** Test-only helpers (not exported from the package). */

export const silentLogger = (): Logger => pino({ level: "silent" });

export const AT = "2026-11-22T08:00:00.000Z";

export function movement(overrides: Partial<Movement> = {}): Movement {
  return {
    kind: "movement",
    id: randomUUID(),
    siteId: "S1",
    occurredAt: AT,
    movementType: "RECEIPT",
    sku: "SKU-1",
    qty: 5,
    to: "S1/A/01",
    evidence: { deviceId: "portal-1", observationIds: [] },
    confidence: 1,
    ...overrides,
  };
}

export function condition(overrides: Partial<Condition> = {}): Condition {
  return {
    kind: "condition",
    id: randomUUID(),
    siteId: "S1",
    occurredAt: AT,
    conditionType: "TEMPERATURE_EXCURSION",
    state: "raised",
    key: "TEMPERATURE_EXCURSION:temp-1",
    deviceId: "temp-1",
    location: "S1/COLD/01",
    value: 9.5,
    limit: 8,
    unit: "°C",
    detail: "chilled zone above 8 °C",
    ...overrides,
  };
}

export function batch(events: readonly (EdgeEvent | unknown)[], overrides: Partial<EdgeBatch> = {}): EdgeBatch {
  return {
    v: 1,
    edgeId: "edge-1",
    siteId: "S1",
    batchId: randomUUID(),
    seq: 0,
    sentAt: AT,
    events: [...events],
    ...overrides,
  };
}

/** A SQLite ledger in a fresh temporary folder; `dispose` closes it and deletes the folder. */
export async function tempStore(): Promise<{ store: LedgerStore; dataDir: string; dispose(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "tally-cloud-test-"));
  const store = openSqliteLedgerStore(join(dataDir, "cloud", "ledger.db"));
  return {
    store,
    dataDir,
    dispose: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * An embedded telemetry store beside `store` with a running forwarder, as the
 * cloud has: `flush` resolves once the ledger's hand-off is empty (it waits
 * on that condition, up to 10 s).
 */
export async function forwardedTelemetry(
  store: LedgerStore,
): Promise<{ telemetry: SqliteTelemetryStore; flush(): Promise<void>; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "tally-cloud-telemetry-"));
  const telemetry = new SqliteTelemetryStore(join(dir, "telemetry.db"));
  const forwarder = new TelemetryForwarder({ ledger: store, store: telemetry, logger: silentLogger(), idleMs: 10 });
  forwarder.start();
  return {
    telemetry,
    flush: async () => {
      forwarder.nudge();
      const deadline = Date.now() + 10_000;
      while ((await store.pendingTelemetry(1)).length > 0) {
        if (Date.now() > deadline) throw new Error("the telemetry hand-off did not empty within 10 s");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    dispose: async () => {
      await forwarder.close();
      await telemetry.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Site facts that know every location and SKU a batch names: for tests of
 * ingest that are not about the checks against the site (those import a
 * layout and use the real cache).
 */
export const everyLocationKnown: SiteFactsSource = {
  facts: async (_siteId, names) => ({ known: true, locations: new Set(names.locations), skus: new Set(names.skus) }),
};

/** Site S1 as the fixtures use it: the locations and SKUs of `movement()` and `condition()`, and a few more. */
export function testSite(): SiteLayout {
  return {
    siteId: "S1",
    zones: [
      { id: "A", kind: "storage", temperatureClass: "ambient" },
      { id: "COLD", kind: "storage", temperatureClass: "chilled" },
    ],
    locations: [
      { code: "S1/A/01", zone: "A" },
      { code: "S1/A/02", zone: "A" },
      { code: "S1/COLD/01", zone: "COLD" },
    ],
    devices: [],
    items: ["SKU-1", "SKU-2", "SKU-7", "SKU-9"].map((sku) => ({
      sku,
      gtins: [],
      temperatureClass: "ambient" as const,
    })),
  };
}

/** Gives an edge a credential in the store, as an admin would; returns the token it logs in with. */
export async function provisionEdge(store: LedgerStore, siteId = "S1", edgeId = "edge-1"): Promise<string> {
  const { id, secret, token } = newToken();
  await store.security.createToken({
    id,
    secretHash: hashSecret(secret),
    name: `edge ${edgeId}`,
    role: "edge",
    sites: [siteId],
    edgeId,
    createdBy: "test",
  });
  return token;
}
/** Bearer secrets of test credentials (`testCredentials`): one per role, the edge is `edge-1` of site S1. */
export const TEST_TOKENS = {
  admin: "test-admin-0123456789",
  supervisor: "test-supervisor-0123456789",
  operator: "test-operator-0123456789",
  viewer: "test-viewer-0123456789",
  edge: "test-edge-s1-0123456789",
  /** An edge of another site (S2/edge-2). */
  otherEdge: "test-edge-s2-0123456789",
  /** An admin limited to site S2. */
  adminS2: "test-admin-s2-0123456789",
} as const;

/** Credentials knowing TEST_TOKENS (as if given in TALLY_API_TOKENS). */
export function testCredentials(store: LedgerStore): Credentials {
  const t = TEST_TOKENS;
  return new Credentials({
    store: store.security,
    bootstrap: parseBootstrapTokens(
      [
        `admin:${t.admin}`,
        `supervisor:${t.supervisor}`,
        `operator:${t.operator}`,
        `viewer:${t.viewer}`,
        `edge@S1/edge-1:${t.edge}`,
        `edge@S2/edge-2:${t.otherEdge}`,
        `admin@S2:${t.adminS2}`,
      ].join(","),
    ),
  });
}

/** The authorization header of a test token. */
export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });

/** An API (not listening) on a fresh SQLite ledger that knows TEST_TOKENS; `dispose` closes both. */
export async function testApp(
  deps: Partial<Omit<AppDeps, "store" | "credentials">> = {},
): Promise<{ app: FastifyInstance; store: LedgerStore; hub: AlertHub; dispose(): Promise<void> }> {
  const temp = await tempStore();
  const hub = deps.alerts ?? new AlertHub();
  const app = await buildApp({
    siteFacts: everyLocationKnown,
    logger: silentLogger(),
    ...deps,
    alerts: hub,
    store: temp.store,
    credentials: testCredentials(temp.store),
  });
  return {
    app,
    store: temp.store,
    hub,
    dispose: async () => {
      await app.close();
      await temp.dispose();
    },
  };
}
