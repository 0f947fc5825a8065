import rateLimit from "@fastify/rate-limit";
import { LedgerErrorCode } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import type { SecurityObserver } from "./metrics.js";
import { ProblemError } from "./problem-details.js";

/** Request limits of the API; every field has a default (`DEFAULT_API_LIMITS`). */
export interface ApiLimits {
  /** Requests one caller (its credential, or its address when anonymous) may make per `rateWindowMs`. */
  rateMax: number;
  /** The same for an edge's credential: its uplink sends a batch per flush, far more often than a person clicks. */
  edgeRateMax: number;
  rateWindowMs: number;
  /** Failed authentications from one address within `authFailureWindowMs` before it is refused for `authBlockMs`. */
  authFailures: number;
  authFailureWindowMs: number;
  authBlockMs: number;
  /** Largest request body of a route that sets none itself, bytes (ingest keeps MAX_BATCH_BYTES). */
  bodyLimit: number;
  /** Time to receive a whole request, ms (the SSE stream's response is not bound by it). */
  requestTimeoutMs: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  rateMax: 1200,
  edgeRateMax: 12_000,
  rateWindowMs: 60_000,
  authFailures: 10,
  authFailureWindowMs: 60_000,
  authBlockMs: 300_000,
  bodyLimit: 64 * 1024,
  requestTimeoutMs: 30_000,
};

/** Bodies that are large by nature (a site file, an EPCIS document, an expected document with many lines), bytes. */
export const LARGE_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * The rate limit per caller: keyed by the principal the auth hook found
 * (route-level `onRequest` hooks run after the root's), else the address.
 * Register on the root instance before the routes.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  limits: ApiLimits,
  observer: SecurityObserver | undefined,
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: "onRequest",
    max: (request) => (request.principal?.role === "edge" ? limits.edgeRateMax : limits.rateMax),
    timeWindow: limits.rateWindowMs,
    keyGenerator: (request) => (request.principal === undefined ? `ip:${request.ip}` : `id:${request.principal.id}`),
    // The cloud's own in-process credentials (made at start, never stored: `tally up`'s setup and scoring) are
    // not a caller to protect the service from.
    allowList: (request) => request.principal?.id.startsWith("internal:") === true,
    onExceeded: () => observer?.refused("rate-limited"),
    errorResponseBuilder: (_request, context) =>
      new ProblemError(
        429,
        LedgerErrorCode.RateLimited,
        "Too Many Requests",
        `more than ${context.max} requests in the rate limit's window; retry in ${context.after}`,
      ),
  });
}
