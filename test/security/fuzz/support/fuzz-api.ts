import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AlertHub,
  buildApp,
  Credentials,
  type LedgerStore,
  parseBootstrapTokens,
  SqliteTelemetryStore,
} from "@tally/cloud";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { testLogger } from "../../../support/quiet-logger.js";
import { fuzzLedger } from "./fuzz-ledger.js";

/** The bearer token every fuzz request carries: an admin, so write routes are reached, not just their 401. */
const FUZZ_TOKEN = "fuzz-admin-token-0123456789";

export interface FuzzApi {
  app: FastifyInstance;
  store: LedgerStore;
  /** `app.inject` with the caller's credentials added. */
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  dispose(): Promise<void>;
}

/**
 * The cloud's HTTP API on a temporary SQLite ledger with the fuzz site
 * imported. The one place the fuzz suite builds the app and authenticates:
 * when routes need other credentials, change them here.
 */
export async function fuzzApi(): Promise<FuzzApi> {
  const { store, dispose } = await fuzzLedger();
  // The embedded telemetry store, as `npm start` has it, so `GET /v1/telemetry` is fuzzed past its 503.
  const telemetryDir = await mkdtemp(join(tmpdir(), "tally-fuzz-telemetry-"));
  const telemetry = new SqliteTelemetryStore(join(telemetryDir, "telemetry.db"));
  const app = await buildApp({
    store,
    telemetry,
    logger: testLogger(),
    alerts: new AlertHub(),
    credentials: new Credentials({ store: store.security, bootstrap: parseBootstrapTokens(`admin:${FUZZ_TOKEN}`) }),
    // A rate limit would answer most of the fuzz with 429 before any route saw it.
    limits: { rateMax: 1_000_000_000 },
  });
  const credentials = { authorization: `Bearer ${FUZZ_TOKEN}` };
  return {
    app,
    store,
    inject: (options) => app.inject({ ...options, headers: { ...options.headers, ...credentials } }),
    dispose: async () => {
      await app.close();
      await telemetry.close();
      await rm(telemetryDir, { recursive: true, force: true });
      await dispose();
    },
  };
}
