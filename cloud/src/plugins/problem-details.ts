import { ErrorCode, LedgerErrorCode } from "@tally/protocols";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { z } from "zod";

/** Every code a problem body may carry: the main catalogue and the ledger API's. */
export const ProblemCode = z.enum({ ...ErrorCode, ...LedgerErrorCode });
export type ProblemCode = z.infer<typeof ProblemCode>;

/** RFC 9457 problem details, plus Tally's stable error `code`. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: ProblemCode,
  instance: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

/** Shorthands for the problems routes throw most. */
export const notFound = (what: string): ProblemError => new ProblemError(404, ErrorCode.NotFound, "Not Found", what);
export const conflict = (code: ProblemCode, detail: string): ProblemError =>
  new ProblemError(409, code, "Conflict", detail);

/** An error a route throws on purpose; the error handler turns it into a problem response. */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly title: string;

  constructor(status: number, code: ProblemCode, title: string, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = "ProblemError";
    this.status = status;
    this.code = code;
    this.title = title;
  }
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The code a body that fails the route's schema gets (e.g. the ingest envelope); default MessageSchema. */
    validationCode?: ProblemCode;
  }
}

export function problemType(code: ProblemCode): string {
  return `urn:tally:error:${code}`;
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: ProblemCode,
  title: string,
  detail: string,
): FastifyReply {
  const body: Problem = { type: problemType(code), title, status, detail, code, instance: request.url };
  return reply.code(status).type("application/problem+json").send(body);
}

/**
 * Every error and every unknown route becomes `application/problem+json`
 * with a stable code; the process never crashes on a request. Call on the
 * root instance, before routes are registered.
 */
export function installProblemDetails(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, ErrorCode.NotFound, "Not Found", `no route for ${request.method} ${request.url}`),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: problem.code, detail: problem.detail }, "request refused");
    return sendProblem(reply, request, problem.status, problem.code, problem.title, problem.detail);
  });
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route or
 * error handler runs (a path with a malformed escape such as `/v1/items/%`, a
 * path parameter past its length limit) is a problem+json too, not fastify's
 * own JSON. Pass it to `Fastify({ frameworkErrors })`.
 */
export function sendFrameworkProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === "FST_ERR_BAD_URL") {
    sendProblem(reply, request, 400, ErrorCode.QueryInvalid, "Bad Request", error.message);
  } else if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
    sendProblem(reply, request, 414, ErrorCode.QueryInvalid, "URI Too Long", error.message);
  } else {
    request.log.error({ err: error }, "request failed in the router");
    sendProblem(reply, request, 500, ErrorCode.Internal, "Internal Server Error", "internal error");
  }
}

function toProblem(error: FastifyError, request: FastifyRequest): Omit<Problem, "type"> {
  if (error instanceof ProblemError) {
    return { status: error.status, code: error.code, title: error.title, detail: error.message };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const config = request.routeOptions.config;
    const context = error.validationContext ?? "request";
    const code = context === "body" ? (config.validationCode ?? ErrorCode.MessageSchema) : ErrorCode.QueryInvalid;
    const detail = error.validation
      .slice(0, 5)
      .map((v) => `${context}${v.instancePath.replaceAll("/", ".")}: ${v.message ?? "invalid"}`)
      .join("; ");
    return { status: 400, code, title: "Bad Request", detail };
  }
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, code: ErrorCode.MessageTooLarge, title: "Content Too Large", detail: error.message };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, code: ErrorCode.MessageNotJson, title: "Bad Request", detail: error.message };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { status: 415, code: ErrorCode.MessageNotJson, title: "Unsupported Media Type", detail: error.message };
  }
  if (error instanceof SyntaxError) {
    return { status: 400, code: ErrorCode.MessageNotJson, title: "Bad Request", detail: error.message };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, code: ErrorCode.QueryInvalid, title: "Bad Request", detail: error.message };
  }
  return { status: 500, code: ErrorCode.Internal, title: "Internal Server Error", detail: "internal error" };
}
