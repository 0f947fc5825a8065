import { ExpectedReceipt, ExpectedShipment, ExpectedStatus, LedgerErrorCode } from "@tally/protocols";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ExpectedKind, ExpectedQuery } from "../../ledger/ledger-store.js";
import { LARGE_BODY_LIMIT } from "../../plugins/api-limits.js";
import type { RoutePolicy } from "../../plugins/authenticate.js";
import { conflict, notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { assertCovers, listSite, PageLimit, SiteId } from "../route-policy.js";

const ListQuery = z.object({
  siteId: SiteId.optional(),
  status: ExpectedStatus.optional(),
  limit: PageLimit,
  /** Cursor: `next` of the previous page (a document id). */
  after: z.string().min(1).max(64).optional(),
});
const Id = z.object({ id: z.string().min(1).max(64) });

/** Expected receipts (ASNs) and shipments: create (open), list, close. */
export const expectedRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  // The body (creating) or the stored document (closing) names the site: the handler checks it.
  const writer: RoutePolicy = { roles: ["supervisor"], site: "handler" };
  const reader: RoutePolicy = { roles: ["viewer"], site: listSite };

  const listQuery = (q: z.infer<typeof ListQuery>, siteId: string | undefined): ExpectedQuery => ({
    ...(siteId !== undefined && { siteId }),
    ...(q.status !== undefined && { status: q.status }),
    ...(q.after !== undefined && { after: q.after }),
    limit: q.limit + 1,
  });
  const page = <T extends { id: string }>(found: T[], limit: number): { list: T[]; next?: string } => {
    const list = found.slice(0, limit);
    const last = list.at(-1)?.id;
    return { list, ...(found.length > limit && last !== undefined && { next: last }) };
  };

  const close = async (request: FastifyRequest, kind: ExpectedKind, id: string) => {
    const [found] =
      kind === "receipt"
        ? await store.expectedReceipts({ id, limit: 1 })
        : await store.expectedShipments({ id, limit: 1 });
    if (found === undefined) throw notFound(`no expected ${kind} ${id}`);
    assertCovers(request, found.siteId);
    const result = await store.closeExpected(kind, id);
    if (result === undefined) throw notFound(`no expected ${kind} ${id}`);
    if (result === "already-closed") throw conflict(LedgerErrorCode.ExpectedState, `expected ${kind} ${id} is closed`);
  };

  app.post(
    "/expected-receipts",
    {
      bodyLimit: LARGE_BODY_LIMIT,
      config: { policy: writer },
      schema: {
        summary: "Create an expected receipt (ASN); created open. The same content again answers 200",
        body: ExpectedReceipt.omit({ status: true }).extend({ status: z.literal("open").optional() }),
        response: { 200: z.object({ receipt: ExpectedReceipt }), 201: z.object({ receipt: ExpectedReceipt }) },
      },
    },
    async (request, reply) => {
      assertCovers(request, request.body.siteId);
      const receipt: ExpectedReceipt = { ...request.body, status: "open" };
      const result = await store.putExpected("receipt", receipt);
      if (result === "conflict") {
        throw conflict(LedgerErrorCode.AlreadyExists, `expected receipt ${receipt.id} exists with other content`);
      }
      reply.code(result === "created" ? 201 : 200);
      return { receipt };
    },
  );

  app.get(
    "/expected-receipts",
    {
      config: { policy: reader },
      schema: {
        summary: "Expected receipts by site and status, in creation order a page at a time",
        querystring: ListQuery,
        response: { 200: z.object({ receipts: z.array(ExpectedReceipt), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const found = await store.expectedReceipts(listQuery(request.query, request.policySite));
      const { list, next } = page(found, request.query.limit);
      return { receipts: list, ...(next !== undefined && { next }) };
    },
  );

  app.post(
    "/expected-receipts/:id/close",
    {
      config: { policy: writer },
      schema: { summary: "Close an expected receipt", params: Id, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await close(request, "receipt", request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/expected-shipments",
    {
      bodyLimit: LARGE_BODY_LIMIT,
      config: { policy: writer },
      schema: {
        summary: "Create an expected shipment; created open. The same content again answers 200",
        body: ExpectedShipment.omit({ status: true }).extend({ status: z.literal("open").optional() }),
        response: { 200: z.object({ shipment: ExpectedShipment }), 201: z.object({ shipment: ExpectedShipment }) },
      },
    },
    async (request, reply) => {
      assertCovers(request, request.body.siteId);
      const shipment: ExpectedShipment = { ...request.body, status: "open" };
      const result = await store.putExpected("shipment", shipment);
      if (result === "conflict") {
        throw conflict(LedgerErrorCode.AlreadyExists, `expected shipment ${shipment.id} exists with other content`);
      }
      reply.code(result === "created" ? 201 : 200);
      return { shipment };
    },
  );

  app.get(
    "/expected-shipments",
    {
      config: { policy: reader },
      schema: {
        summary: "Expected shipments by site and status, in creation order a page at a time",
        querystring: ListQuery,
        response: { 200: z.object({ shipments: z.array(ExpectedShipment), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const found = await store.expectedShipments(listQuery(request.query, request.policySite));
      const { list, next } = page(found, request.query.limit);
      return { shipments: list, ...(next !== undefined && { next }) };
    },
  );

  app.post(
    "/expected-shipments/:id/close",
    {
      config: { policy: writer },
      schema: { summary: "Close an expected shipment", params: Id, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await close(request, "shipment", request.params.id);
      return reply.code(204).send(null);
    },
  );
};
