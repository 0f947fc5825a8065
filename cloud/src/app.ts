import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { AlertHub } from "./alerts/alert-hub.js";
import { EdgeRegistry } from "./ingest/edge-registry.js";
import type { LedgerStore } from "./ledger/ledger-store.js";
import type { ApiTokens } from "./plugins/auth.js";
import { installGracefulClose } from "./plugins/graceful-close.js";
import type { CloudMetrics } from "./plugins/metrics.js";
import { registerOpenApi } from "./plugins/openapi.js";
import { installProblemDetails, sendFrameworkProblem } from "./plugins/problem-details.js";
import { healthRoute } from "./routes/health.js";
import { v1Routes } from "./routes/v1/index.js";

export interface AppDeps {
  /** Prometheus metrics served at `GET /metrics` and fed by ingest; none without. */
  metrics?: CloudMetrics;
  store: LedgerStore;
  logger: Logger;
  alerts: AlertHub;
  /** The edges' sequence numbers and identities (shared with MQTT ingest); a new one without. */
  edges?: EdgeRegistry;
  /** Bearer token → role (`TALLY_API_TOKENS`); without tokens the API is open. */
  apiTokens?: ApiTokens;
}

/** Builds the HTTP API (does not listen): problem+json errors, OpenAPI at `/docs` and `/docs/json`, `/healthz`, `/v1/*`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Typed as fastify's base logger so the instance is a plain FastifyInstance (pino's Logger is one).
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({ loggerInstance, forceCloseConnections: "idle", frameworkErrors: sendFrameworkProblem });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemDetails(app);
  installGracefulClose(app);
  await registerOpenApi(app);
  const routeDeps = {
    store: deps.store,
    alerts: deps.alerts,
    tokens: deps.apiTokens ?? new Map(),
    ingestObserver: deps.metrics?.observer,
    edges: deps.edges ?? new EdgeRegistry(),
  };
  await app.register(healthRoute, routeDeps);
  if (deps.metrics !== undefined) await app.register(deps.metrics.route);
  await app.register(v1Routes, { prefix: "/v1", ...routeDeps });
  return app;
}
