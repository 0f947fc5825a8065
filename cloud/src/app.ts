import { readFileSync } from "node:fs";
import helmet from "@fastify/helmet";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { AlertHub } from "./alerts/alert-hub.js";
import type { Credentials } from "./auth/credentials.js";
import { FailureThrottle } from "./auth/failure-throttle.js";
import { BatchOrder } from "./ingest/batch-order.js";
import { EdgeRegistry } from "./ingest/edge-registry.js";
import type { SiteFactsSource } from "./ingest/site-checks.js";
import { SiteFactsCache } from "./ingest/site-facts.js";
import type { UnknownSiteWatch } from "./ingest/unknown-site-watch.js";
import type { LedgerStore } from "./ledger/ledger-store.js";
import { type ApiLimits, DEFAULT_API_LIMITS, registerRateLimit } from "./plugins/api-limits.js";
import { type ApiMode, installAuth } from "./plugins/authenticate.js";
import { registerConsole } from "./plugins/console.js";
import { installGracefulClose } from "./plugins/graceful-close.js";
import type { CloudMetrics } from "./plugins/metrics.js";
import { registerOpenApi } from "./plugins/openapi.js";
import { installProblemDetails, sendFrameworkProblem } from "./plugins/problem-details.js";
import { untrustedValidatorCompiler } from "./plugins/untrusted-validator.js";
import { healthRoute } from "./routes/health.js";
import { v1Routes } from "./routes/v1/index.js";
import type { TaskDuePolicy } from "./tasks/task-due.js";
import type { TelemetryStore } from "./telemetry/telemetry-store.js";

export interface AppDeps {
  /** Prometheus metrics served at `GET /metrics` and fed by ingest; none without. */
  metrics?: CloudMetrics;
  store: LedgerStore;
  /** Where `GET /v1/telemetry` reads; without, that route answers 503. */
  telemetry?: TelemetryStore;
  logger: Logger;
  alerts: AlertHub;
  /** The edges' sequence numbers and identities (shared with MQTT ingest); a new one without. */
  edges?: EdgeRegistry;
  /** Commits each edge's batches in the order it sent them (shared with MQTT ingest); a new one without. */
  order?: BatchOrder;
  /** Turns bearer tokens into principals. */
  credentials: Credentials;
  /** `development` opens reads to anonymous callers on the loopback; default `production` (nothing anonymous). */
  mode?: ApiMode;
  /** Rate limit, failed-authentication throttle, body limit and request timeout; defaults `DEFAULT_API_LIMITS`. */
  limits?: Partial<ApiLimits>;
  /** The sites' layouts and item master that ingested events are checked against (shared with MQTT ingest). */
  siteFacts?: SiteFactsSource;
  /** Told of batches for a site without a layout (log and alert; shared with MQTT ingest). */
  unknownSites?: UnknownSiteWatch;
  /** Due times of correction tasks per type; `DEFAULT_TASK_DUE` without. */
  taskDue?: TaskDuePolicy;
  /** Serve HTTPS with this certificate and key (PEM files). */
  https?: { certFile: string; keyFile: string } | undefined;
}

/**
 * Builds the HTTP API (does not listen): problem+json errors, OpenAPI at `/docs` and `/docs/json`, `/healthz`,
 * `/v1/*`, and the supervisor console at `/`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...deps.limits };
  const mode = deps.mode ?? "production";
  // Typed as fastify's base logger so the instance is a plain FastifyInstance (pino's Logger is one).
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const options = {
    loggerInstance,
    forceCloseConnections: "idle" as const,
    frameworkErrors: sendFrameworkProblem,
    bodyLimit: limits.bodyLimit,
    // Bounds how long a client may take to send its request; the alert stream's long response is not affected.
    requestTimeout: limits.requestTimeoutMs,
  };
  const app = (
    deps.https === undefined
      ? Fastify(options)
      : Fastify({
          ...options,
          https: { cert: readFileSync(deps.https.certFile), key: readFileSync(deps.https.keyFile) },
        })
  ) as FastifyInstance;
  app.setValidatorCompiler(untrustedValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemDetails(app);
  installGracefulClose(app);
  const security = deps.metrics?.security;
  installAuth(app, {
    credentials: deps.credentials,
    mode,
    store: deps.store,
    observer: security,
    throttle: new FailureThrottle({
      maxFailures: limits.authFailures,
      windowMs: limits.authFailureWindowMs,
      blockMs: limits.authBlockMs,
    }),
  });
  if (mode === "development") app.log.warn("development mode: reads are open to anonymous callers on the loopback");
  await app.register(helmet, { global: true });
  await registerRateLimit(app, limits, security);
  await registerOpenApi(app);
  const routeDeps = {
    store: deps.store,
    telemetry: deps.telemetry,
    alerts: deps.alerts,
    credentials: deps.credentials,
    ingestObserver: deps.metrics?.observer,
    securityObserver: security,
    edges: deps.edges ?? new EdgeRegistry(),
    order: deps.order ?? new BatchOrder(),
    siteFacts: deps.siteFacts ?? new SiteFactsCache(deps.store),
    unknownSites: deps.unknownSites,
    taskDue: deps.taskDue,
  };
  await app.register(healthRoute, routeDeps);
  if (deps.metrics !== undefined) await app.register(deps.metrics.route);
  await app.register(v1Routes, { prefix: "/v1", ...routeDeps });
  await registerConsole(app);
  return app;
}
