import { Movement, SerialRecord } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalCovers } from "../../auth/principal.js";
import { MAX_MOVEMENT_LIMIT } from "../../ledger/ledger-store.js";
import { notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { assertCovers } from "../route-policy.js";

export const serialsRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store }) => {
  app.get(
    "/serials/:epc",
    {
      config: { policy: { roles: ["viewer"], site: "handler" } },
      schema: {
        summary: "Where a serialised unit is (EPC pure identity URI) and its path: its movements by occurredAt",
        params: z.object({ epc: z.string().min(1).max(200) }),
        response: { 200: z.object({ serial: SerialRecord, path: z.array(Movement) }) },
      },
    },
    async (request) => {
      const { epc } = request.params;
      const serial = await store.serial(epc);
      if (serial === undefined) throw notFound(`no serial ${epc} in the registry`);
      const last = await store.movement(serial.lastMovementId);
      if (last !== undefined) assertCovers(request, last.siteId);
      const principal = request.principal;
      // A unit that travelled between sites shows a site-scoped caller only its sites' legs.
      const path = (await store.movements({ epc, limit: MAX_MOVEMENT_LIMIT }))
        .filter((m) => principal === undefined || principalCovers(principal, m.siteId))
        .sort(
          (a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        );
      return { serial, path };
    },
  );
};
