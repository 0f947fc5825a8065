import { randomBytes } from "node:crypto";
import { ErrorCode } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId } from "../../ledger/new-id.js";
import { checkWebhookUrl, MAX_WEBHOOK_URL } from "../../notifications/check-webhook-url.js";
import { Webhook, WebhookFilters, WebhookFormat } from "../../notifications/webhook.js";
import { actorOf, type RoutePolicy } from "../../plugins/authenticate.js";
import { notFound, ProblemError } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { PageLimit } from "../route-policy.js";

const DeliveryStatus = z.enum(["pending", "delivered", "failed"]);

/** A delivery as the log shows it: what it told, its state and every attempt (never its body or the secret). */
const Delivery = z.object({
  id: z.string(),
  webhookId: z.string(),
  siteId: z.string(),
  kind: z.string(),
  events: z.array(z.object({ event: z.string(), at: z.string(), alertId: z.string(), severity: z.string() })),
  status: DeliveryStatus,
  attempts: z.number().int(),
  createdAt: z.string(),
  nextAttemptAt: z.string().optional(),
  lastError: z.string().optional(),
  deliveredAt: z.string().optional(),
  attemptLog: z.array(
    z.object({
      attempt: z.number().int(),
      at: z.string(),
      /** The cloud process that made the attempt. */
      sentBy: z.string(),
      statusCode: z.number().int().optional(),
      error: z.string().optional(),
      durationMs: z.number().int(),
    }),
  ),
});

/** A new webhook's secret when the caller gives none: 32 random bytes. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

/**
 * Webhooks (admin of every site: a webhook may subscribe to any site) and
 * their delivery log (supervisor of every site). The secret is answered once,
 * at creation.
 */
export const webhooksRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  const admin: RoutePolicy = { roles: ["admin"], site: "all" };
  const notifications = store.notifications;

  app.post(
    "/webhooks",
    {
      config: { policy: admin },
      schema: {
        summary:
          "Register a webhook (admin): alert events matching its filters are POSTed to it, signed with its secret; " +
          "the answer's `secret` is shown once and never again",
        body: z
          .object({
            name: z.string().min(1).max(100),
            url: z
              .string()
              .min(1)
              .max(MAX_WEBHOOK_URL + 1),
            format: WebhookFormat.default("json"),
            /** Given: used as is (16–256 characters). Absent: one is made and answered once. */
            secret: z.string().min(16).max(256).optional(),
            filters: WebhookFilters.default({}),
          })
          .strict(),
        response: { 201: z.object({ webhook: Webhook, secret: z.string() }) },
      },
    },
    async (request, reply) => {
      const { name, format, filters } = request.body;
      const checked = checkWebhookUrl(request.body.url);
      if (!checked.ok) throw new ProblemError(400, ErrorCode.WebhookUrlInvalid, "Bad Request", checked.reason);
      const secret = request.body.secret ?? newSecret();
      const webhook = await notifications.createWebhook({
        id: newId(),
        name,
        url: checked.url,
        secret,
        format,
        filters,
        createdBy: actorOf(request),
      });
      reply.code(201);
      return { webhook, secret };
    },
  );

  app.get(
    "/webhooks",
    {
      config: { policy: admin },
      schema: {
        summary: "Webhooks in creation order, a page at a time (never their secrets)",
        querystring: z.object({
          limit: PageLimit,
          /** Cursor: `next` of the previous page (a webhook id). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ webhooks: z.array(Webhook), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { limit, after } = request.query;
      const found = await notifications.webhooks({ limit: limit + 1, ...(after !== undefined && { after }) });
      const webhooks = found.slice(0, limit);
      const last = webhooks.at(-1)?.id;
      return { webhooks, ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );

  app.delete(
    "/webhooks/:id",
    {
      config: { policy: admin },
      schema: {
        summary: "Delete a webhook (admin): no new deliveries, its pending ones fail; its delivery log stays",
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      if (!(await notifications.deleteWebhook(request.params.id, actorOf(request)))) {
        throw notFound(`no webhook ${request.params.id}`);
      }
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/deliveries",
    {
      config: { policy: { roles: ["supervisor"], site: "all" } },
      schema: {
        summary: "The webhook delivery log in creation order, each delivery with its attempts, a page at a time",
        querystring: z.object({
          webhookId: z.string().min(1).max(64).optional(),
          status: DeliveryStatus.optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page (a delivery id). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ deliveries: z.array(Delivery), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { webhookId, status, limit, after } = request.query;
      const found = await notifications.deliveries({
        ...(webhookId !== undefined && { webhookId }),
        ...(status !== undefined && { status }),
        ...(after !== undefined && { after }),
        limit: limit + 1,
      });
      const deliveries = found.slice(0, limit);
      const last = deliveries.at(-1)?.id;
      return { deliveries, ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );
};
