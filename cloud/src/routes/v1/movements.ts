import { CommittedMovement, Movement, MovementType } from "@tally/protocols";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { DEFAULT_MOVEMENT_LIMIT, MAX_MOVEMENT_LIMIT, type MovementQuery } from "../../ledger/ledger-store.js";
import { actorOf } from "../../plugins/authenticate.js";
import { notFound } from "../../plugins/problem-details.js";
import type { RouteDeps } from "../route-deps.js";
import { assertCovers, listSite, PageLimit, SiteId } from "../route-policy.js";

const MovementId = z.object({ id: z.string().min(1).max(64) });

/** The movements with their commit times (one query for the page). */
async function withCommitTimes(store: RouteDeps["store"], movements: Movement[]) {
  const times = await store.commitTimes(movements.map((m) => m.id));
  return movements.map((m) => {
    const committedAt = times.get(m.id);
    return committedAt === undefined ? m : { ...m, committedAt };
  });
}

export const movementsRoute: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, alerts }) => {
  app.get(
    "/movements",
    {
      config: { policy: { roles: ["viewer"], site: listSite } },
      schema: {
        summary: "Movements in commit order, by SKU, location (from or to), type and EPC; cursor pagination",
        querystring: z.object({
          siteId: SiteId.optional(),
          sku: z.string().min(1).max(64).optional(),
          location: z.string().min(1).max(200).optional(),
          type: MovementType.optional(),
          epc: z.string().min(1).max(200).optional(),
          limit: z.coerce.number().int().min(1).max(MAX_MOVEMENT_LIMIT).optional(),
          /** Cursor: the id of the last movement already read (or `nextCursor` of the previous page). */
          after: z.string().min(1).max(64).optional(),
        }),
        response: {
          200: z.object({
            movements: z.array(CommittedMovement),
            /** Pass as `after` for the next page; absent on the last page. */
            nextCursor: z.string().optional(),
          }),
        },
      },
    },
    async (request) => {
      const { sku, location, type, epc, limit, after } = request.query;
      const query: MovementQuery = {};
      if (request.policySite !== undefined) query.siteId = request.policySite;
      if (sku !== undefined) query.sku = sku;
      if (location !== undefined) query.location = location;
      if (type !== undefined) query.movementType = type;
      if (epc !== undefined) query.epc = epc;
      if (limit !== undefined) query.limit = limit;
      if (after !== undefined) query.after = after;
      const movements = await store.movements(query);
      const full = movements.length === (limit ?? DEFAULT_MOVEMENT_LIMIT);
      const last = movements.at(-1)?.id;
      return {
        movements: await withCommitTimes(store, movements),
        ...(full && last !== undefined && { nextCursor: last }),
      };
    },
  );

  app.get(
    "/conflicts",
    {
      // Refused events come from any site's edges: for people who see every site.
      config: { policy: { roles: ["viewer"], site: "all" } },
      schema: {
        summary: "Events refused because their id was already in the ledger with other content (never applied)",
        querystring: z.object({ limit: PageLimit }),
        response: {
          200: z.object({
            conflicts: z.array(
              z.object({
                eventId: z.string(),
                edgeId: z.string(),
                batchId: z.string(),
                storedHash: z.string(),
                hash: z.string(),
                event: z.unknown(),
                receivedAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({ conflicts: await store.conflicts(request.query.limit) }),
  );

  app.get(
    "/movements/:id",
    {
      config: { policy: { roles: ["viewer"], site: "handler" } },
      schema: {
        summary: "One movement, with the time the cloud committed it",
        params: MovementId,
        response: { 200: z.object({ movement: CommittedMovement }) },
      },
    },
    async (request) => {
      const movement = await store.movement(request.params.id);
      if (movement === undefined) throw notFound(`no movement ${request.params.id}`);
      assertCovers(request, movement.siteId);
      const [committed] = await withCommitTimes(store, [movement]);
      return { movement: committed ?? movement };
    },
  );

  app.post(
    "/movements/:id/reverse",
    {
      config: { policy: { roles: ["supervisor"], site: "handler" } },
      schema: {
        summary: "Correct a movement: post a new ADJUSTMENT reversing it (idempotent; movements are never edited)",
        params: MovementId,
        response: {
          200: z.object({ reversal: Movement, created: z.literal(false) }),
          201: z.object({ reversal: Movement, created: z.literal(true) }),
        },
      },
    },
    async (request, reply) => {
      const original = await store.movement(request.params.id);
      if (original === undefined) throw notFound(`no movement ${request.params.id}`);
      assertCovers(request, original.siteId);
      const result = await store.reverseMovement(request.params.id, actorOf(request));
      if (result === undefined) throw notFound(`no movement ${request.params.id}`);
      alerts.publish(result.alerts);
      if (result.created) {
        reply.code(201);
        return { reversal: result.reversal, created: true as const };
      }
      return { reversal: result.reversal, created: false as const };
    },
  );
};
