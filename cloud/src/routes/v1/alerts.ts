import { LedgerErrorCode } from "@tally/protocols";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { Alert, AlertKind, AlertSeverity, AlertStatus, AlertTimelineEntry } from "../../alerts/alert.js";
import type { AlertAction } from "../../alerts/alert-store.js";
import { actorOf } from "../../plugins/authenticate.js";
import { conflict, notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { assertCovers, listSite, PageLimit, SiteId } from "../route-policy.js";

const AlertId = z.object({ id: z.string().min(1).max(64) });
const Note = z.object({ note: z.string().trim().min(1).max(1000).optional() }).strict();

/** Alerts: list and read with their timeline; acknowledge and resolve (who, when, why). */
export const alertsRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, alerts }) => {
  const covered = async (request: FastifyRequest, id: string): Promise<void> => {
    const found = await store.alerting.get(id);
    if (found === undefined) throw notFound(`no alert ${id}`);
    assertCovers(request, found.alert.siteId);
  };
  const answer = (id: string, result: AlertAction) => {
    if (result.ok) {
      alerts.publish([result.alert]);
      return { alert: result.alert };
    }
    if (result.refusal === "ALERT_NOT_FOUND") throw notFound(`no alert ${id}`);
    const why = {
      ALERT_RESOLVED: "is resolved",
      ALERT_ALREADY_ACKNOWLEDGED: "is already acknowledged",
      ALERT_PENDING: "is still in its grace period",
    }[result.refusal];
    throw conflict(LedgerErrorCode.AlertState, `alert ${id} ${why}`);
  };

  app.get(
    "/alerts",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "Alerts by site, status, severity and kind, in the order raised, a page at a time (`after` = `next`)",
        querystring: z.object({
          siteId: SiteId.optional(),
          status: AlertStatus.optional(),
          severity: AlertSeverity.optional(),
          kind: AlertKind.optional(),
          limit: PageLimit,
          /** Cursor: `next` of the previous page (an alert id). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ alerts: z.array(Alert), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { status, severity, kind, limit, after } = request.query;
      const siteId = request.policySite;
      const found = await store.alerting.list({
        ...(status !== undefined && { status }),
        ...(severity !== undefined && { severity }),
        ...(kind !== undefined && { kind }),
        ...(siteId !== undefined && { siteId }),
        ...(after !== undefined && { after }),
        limit: limit + 1,
      });
      const page = found.slice(0, limit);
      const last = page.at(-1)?.id;
      return { alerts: page, ...(found.length > limit && last !== undefined && { next: last }) };
    },
  );

  app.get(
    "/alerts/:id",
    {
      config: { policy: { roles: ["viewer"], site: "handler" } },
      schema: {
        summary: "One alert with its timeline: every change, who made it, when, and their note",
        params: AlertId,
        response: { 200: z.object({ alert: Alert, timeline: z.array(AlertTimelineEntry) }) },
      },
    },
    async (request) => {
      const found = await store.alerting.get(request.params.id);
      if (found === undefined) throw notFound(`no alert ${request.params.id}`);
      assertCovers(request, found.alert.siteId);
      return found;
    },
  );

  app.post(
    "/alerts/:id/acknowledge",
    {
      config: { policy: { roles: ["operator"], site: "handler" } },
      schema: {
        summary: "Take an alert on (operator): it stops escalating and reminding; a cleared one is then resolved",
        params: AlertId,
        body: Note.nullish(),
        response: { 200: z.object({ alert: Alert }) },
      },
    },
    async (request) => {
      const { id } = request.params;
      await covered(request, id);
      return answer(id, await store.alerting.acknowledge(id, actorOf(request), request.body?.note));
    },
  );

  app.post(
    "/alerts/:id/resolve",
    {
      config: { policy: { roles: ["supervisor"], site: "handler" } },
      schema: {
        summary:
          "Close an alert (supervisor), whether or not its cause is still there; it re-opens if the cause returns",
        params: AlertId,
        body: Note.nullish(),
        response: { 200: z.object({ alert: Alert }) },
      },
    },
    async (request) => {
      const { id } = request.params;
      await covered(request, id);
      return answer(id, await store.alerting.resolve(id, actorOf(request), request.body?.note));
    },
  );
};
