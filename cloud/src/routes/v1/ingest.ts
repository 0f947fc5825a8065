import { CommitAck, EdgeBatch, ErrorCode, LedgerErrorCode, MAX_BATCH_BYTES } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { PredecessorNotCommitted } from "../../ingest/batch-order.js";
import { recordForgery } from "../../ingest/forgery-alerts.js";
import { ingestBatch } from "../../ingest/ingest-batch.js";
import { ProblemError } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";

export const ingestRoute: FastifyPluginAsyncZod<RouteDeps> = async (
  app,
  { store, alerts, ingestObserver, securityObserver, edges, order, siteFacts, unknownSites },
) => {
  const observe =
    ingestObserver && ((ack: CommitAck, seconds: number) => ingestObserver.ingested(ack, seconds, "http"));
  app.post(
    "/ingest",
    {
      bodyLimit: MAX_BATCH_BYTES,
      config: {
        validationCode: ErrorCode.EnvelopeSchema,
        // The handler holds the envelope against the credential; the ledger's commits table records every batch.
        policy: { roles: ["edge"], site: "handler", audit: false },
      },
      schema: {
        summary:
          "Commit a batch of edge events (the same envelope as over MQTT), with the edge's own credential; answers after the commit",
        body: EdgeBatch,
        response: { 200: CommitAck },
      },
      // The ack is the cloud's own, typed as `CommitAck`: serialised as it is, not checked against the schema
      // again (a copy of every id of a batch of thousands). The schema still documents it.
      serializerCompiler: () => (ack) => JSON.stringify(ack),
    },
    async (request) => {
      const batch = request.body;
      const principal = request.principal;
      const edgeId = principal?.edgeId;
      const siteId = principal?.sites?.[0];
      // The credential says who sends; an envelope naming anyone else is refused whole, never partly committed.
      if (edgeId === undefined || siteId === undefined || batch.edgeId !== edgeId || batch.siteId !== siteId) {
        const detail = `the credential is edge ${edgeId ?? "?"} of site ${siteId ?? "?"}; the batch names edge ${batch.edgeId} of site ${batch.siteId}`;
        securityObserver?.refused("forged");
        ingestObserver?.refused("http", "envelope-mismatch");
        request.log.warn({ credential: principal?.id, batchId: batch.batchId, detail }, "forged batch refused");
        if (edgeId !== undefined && siteId !== undefined) {
          const forgery = { siteId, key: `envelope-mismatch:${edgeId}`, offender: edgeId, detail };
          await recordForgery({ store, alerts }, forgery).catch((error: unknown) =>
            request.log.error({ err: error }, "could not raise the FORGED_MESSAGE alert"),
          );
        }
        throw new ProblemError(403, LedgerErrorCode.AuthIdentityMismatch, "Forbidden", detail);
      }
      try {
        return await ingestBatch(
          { store, alerts, edges, order, siteFacts, unknownSites, ...(observe ? { observe } : {}) },
          batch,
        );
      } catch (error) {
        if (error instanceof PredecessorNotCommitted) {
          request.log.info({ batchId: batch.batchId, seq: batch.seq, after: batch.after }, error.message);
          throw new ProblemError(503, ErrorCode.CommitFailed, "Service Unavailable", error.message);
        }
        ingestObserver?.failed("http");
        request.log.error({ err: error, batchId: batch.batchId }, "commit failed");
        throw new ProblemError(
          503,
          ErrorCode.CommitFailed,
          "Service Unavailable",
          "the ledger could not commit the batch; resend it",
          { cause: error },
        );
      }
    },
  );
};
