import { CommitAck, EdgeBatch, ErrorCode, MAX_BATCH_BYTES } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ingestBatch } from "../../ingest/ingest-batch.js";
import { ProblemError } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";

export const ingestRoute: FastifyPluginAsyncZod<RouteDeps> = async (
  app,
  { store, alerts, ingestObserver, edges, siteFacts },
) => {
  const observe =
    ingestObserver && ((ack: CommitAck, seconds: number) => ingestObserver.ingested(ack, seconds, "http"));
  app.post(
    "/ingest",
    {
      bodyLimit: MAX_BATCH_BYTES,
      config: { validationCode: ErrorCode.EnvelopeSchema },
      schema: {
        summary: "Commit a batch of edge events (the same envelope as over MQTT); answers after the commit",
        body: EdgeBatch,
        response: { 200: CommitAck },
      },
    },
    async (request) => {
      try {
        return await ingestBatch({ store, alerts, edges, siteFacts, ...(observe ? { observe } : {}) }, request.body);
      } catch (error) {
        ingestObserver?.failed("http");
        request.log.error({ err: error, batchId: request.body.batchId }, "commit failed");
        throw new ProblemError(
          503,
          ErrorCode.CommitFailed,
          "Service Unavailable",
          "the ledger could not commit the batch; resend it",
          {
            cause: error,
          },
        );
      }
    },
  );
};
