import { ExpectedReceipt, ExpectedShipment, ExpectedStatus, LedgerErrorCode } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ExpectedKind, ExpectedQuery } from "../../ledger/ledger-store.js";
import { requireRole } from "../../plugins/auth.js";
import { conflict, notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";

const ListQuery = z.object({ siteId: z.string().min(1).max(64).optional(), status: ExpectedStatus.optional() });
const Id = z.object({ id: z.string().min(1).max(64) });

/** Expected receipts (ASNs) and shipments: create (open), list, close. */
export const expectedRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, tokens }) => {
  const writer = requireRole(tokens, "supervisor");

  const listQuery = (q: z.infer<typeof ListQuery>): ExpectedQuery => ({
    ...(q.siteId !== undefined && { siteId: q.siteId }),
    ...(q.status !== undefined && { status: q.status }),
  });

  const close = async (kind: ExpectedKind, id: string) => {
    const result = await store.closeExpected(kind, id);
    if (result === undefined) throw notFound(`no expected ${kind} ${id}`);
    if (result === "already-closed") throw conflict(LedgerErrorCode.ExpectedState, `expected ${kind} ${id} is closed`);
  };

  app.post(
    "/expected-receipts",
    {
      preHandler: writer,
      schema: {
        summary: "Create an expected receipt (ASN); created open. The same content again answers 200",
        body: ExpectedReceipt.omit({ status: true }).extend({ status: z.literal("open").optional() }),
        response: { 200: z.object({ receipt: ExpectedReceipt }), 201: z.object({ receipt: ExpectedReceipt }) },
      },
    },
    async (request, reply) => {
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
      schema: {
        summary: "Expected receipts by site and status",
        querystring: ListQuery,
        response: { 200: z.object({ receipts: z.array(ExpectedReceipt) }) },
      },
    },
    async (request) => ({ receipts: await store.expectedReceipts(listQuery(request.query)) }),
  );

  app.post(
    "/expected-receipts/:id/close",
    {
      preHandler: writer,
      schema: { summary: "Close an expected receipt", params: Id, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await close("receipt", request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/expected-shipments",
    {
      preHandler: writer,
      schema: {
        summary: "Create an expected shipment; created open. The same content again answers 200",
        body: ExpectedShipment.omit({ status: true }).extend({ status: z.literal("open").optional() }),
        response: { 200: z.object({ shipment: ExpectedShipment }), 201: z.object({ shipment: ExpectedShipment }) },
      },
    },
    async (request, reply) => {
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
      schema: {
        summary: "Expected shipments by site and status",
        querystring: ListQuery,
        response: { 200: z.object({ shipments: z.array(ExpectedShipment) }) },
      },
    },
    async (request) => ({ shipments: await store.expectedShipments(listQuery(request.query)) }),
  );

  app.post(
    "/expected-shipments/:id/close",
    {
      preHandler: writer,
      schema: { summary: "Close an expected shipment", params: Id, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await close("shipment", request.params.id);
      return reply.code(204).send(null);
    },
  );
};
