import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { RouteDeps } from "../route-deps.js";
import { alertsRoute } from "./alerts.js";
import { alertsStreamRoute } from "./alerts-stream.js";
import { auditRoute } from "./audit.js";
import { edgesRoute } from "./edges.js";
import { epcisRoute } from "./epcis.js";
import { excursionsRoute } from "./excursions.js";
import { expectedRoute } from "./expected.js";
import { ingestRoute } from "./ingest.js";
import { kpisRoute } from "./kpis.js";
import { masterDataRoute } from "./master-data.js";
import { mktRoute } from "./mkt.js";
import { movementsRoute } from "./movements.js";
import { referenceDataRoute } from "./reference-data.js";
import { serialsRoute } from "./serials.js";
import { silencesRoute } from "./silences.js";
import { siteDevicesRoute } from "./site-devices.js";
import { stockRoute } from "./stock.js";
import { tasksRoute } from "./tasks.js";
import { telemetryRoute } from "./telemetry.js";
import { tokensRoute } from "./tokens.js";
import { webhooksRoute } from "./webhooks.js";
import { whoamiRoute } from "./whoami.js";

/** Every `/v1` route; register with `{ prefix: "/v1" }`. */
export const v1Routes: FastifyPluginAsyncZod<RouteDeps> = async (app, options) => {
  // Only the deps: passing `options` on would hand each child the `prefix` again.
  const deps: RouteDeps = {
    store: options.store,
    telemetry: options.telemetry,
    alerts: options.alerts,
    credentials: options.credentials,
    ingestObserver: options.ingestObserver,
    securityObserver: options.securityObserver,
    edges: options.edges,
    siteFacts: options.siteFacts,
    unknownSites: options.unknownSites,
    taskDue: options.taskDue,
  };
  await app.register(ingestRoute, deps);
  await app.register(stockRoute, deps);
  await app.register(movementsRoute, deps);
  await app.register(serialsRoute, deps);
  await app.register(masterDataRoute, deps);
  await app.register(expectedRoute, deps);
  await app.register(referenceDataRoute, deps);
  await app.register(kpisRoute, deps);
  await app.register(alertsRoute, deps);
  await app.register(alertsStreamRoute, deps);
  await app.register(silencesRoute, deps);
  await app.register(whoamiRoute, deps);
  await app.register(tasksRoute, deps);
  await app.register(epcisRoute, deps);
  await app.register(edgesRoute, deps);
  await app.register(tokensRoute, deps);
  await app.register(auditRoute, deps);
  await app.register(siteDevicesRoute, deps);
  await app.register(webhooksRoute, deps);
  await app.register(telemetryRoute, deps);
  await app.register(excursionsRoute, deps);
  await app.register(mktRoute, deps);
};
