import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Condition, EdgeBatch, EdgeEvent, Movement } from "@tally/protocols";
import { type Logger, pino } from "pino";
import { openSqliteLedgerStore } from "../adapters/sqlite-ledger-store.js";
import type { SiteFactsSource } from "../ingest/site-checks.js";
import type { LedgerStore } from "../ledger/ledger-store.js";

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
 * Site facts that know every location and SKU a batch names: for tests of
 * ingest that are not about the checks against the site (those import a
 * layout and use the real cache).
 */
export const everyLocationKnown: SiteFactsSource = {
  facts: async (_siteId, names) => ({ known: true, locations: new Set(names.locations), skus: new Set(names.skus) }),
};
