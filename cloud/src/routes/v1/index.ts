import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { RouteDeps } from "../route-deps.js";
import { alertsRoute } from "./alerts.js";
import { alertsStreamRoute } from "./alerts-stream.js";
import { ingestRoute } from "./ingest.js";
import { movementsRoute } from "./movements.js";
import { stockRoute } from "./stock.js";
import { tasksRoute } from "./tasks.js";

/** Every `/v1` route; register with `{ prefix: "/v1" }`. */
export const v1Routes: FastifyPluginAsyncZod<RouteDeps> = async (app, options) => {
  // Only the deps: passing `options` on would hand each child the `prefix` again.
  const deps: RouteDeps = { store: options.store, alerts: options.alerts };
  await app.register(ingestRoute, deps);
  await app.register(stockRoute, deps);
  await app.register(movementsRoute, deps);
  await app.register(alertsRoute, deps);
  await app.register(alertsStreamRoute, deps);
  await app.register(tasksRoute, deps);
};
