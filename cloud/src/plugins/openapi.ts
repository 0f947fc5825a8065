import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

/** Collects route schemas into an OpenAPI document served at `/docs/json`. Register before the routes. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: "Tally cloud", description: "Inventory ledger, alerts and ingest for Tally edges", version: "1" },
    },
    transform: jsonSchemaTransform,
  });
  app.get("/docs/json", { schema: { hide: true } }, async () => app.swagger());
}
