import type { Command } from "commander";
import type { Logger } from "pino";

/**
 * `tally cloud-acl`: the Mosquitto acl_file for a cloud that consumes edge
 * batches from an external Mosquitto, from the edges' credentials in the
 * ledger (and in TALLY_API_TOKENS), written to stdout as the file's text.
 */
export function registerCloudAcl(program: Command, logger: Logger): void {
  program
    .command("cloud-acl")
    .description("print a Mosquitto acl_file for edge ↔ cloud topics, from the edges' credentials in the ledger")
    .option("--cloud-user <name>", "the cloud's user name on the broker (TALLY_CLOUD_MQTT_USERNAME)", "tally-cloud")
    .action(async (opts: { cloudUser: string }) => {
      const { createLedgerStore, loadCloudConfig, mosquittoAclForEdges } = await import("@tally/cloud");
      const config = loadCloudConfig();
      const store = await createLedgerStore(
        config.databaseUrl !== undefined ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
      );
      try {
        const edges = new Map<string, { siteId: string; edgeId: string }>();
        const add = (siteId: string | undefined, edgeId: string | undefined) => {
          if (siteId !== undefined && edgeId !== undefined) edges.set(`${siteId}/${edgeId}`, { siteId, edgeId });
        };
        for (const token of await store.security.tokens()) {
          if (token.role === "edge") add(token.sites?.[0], token.edgeId);
        }
        for (const token of config.bootstrapTokens) if (token.role === "edge") add(token.sites?.[0], token.edgeId);
        process.stdout.write(mosquittoAclForEdges([...edges.values()], opts.cloudUser));
        logger.info({ edges: edges.size }, "acl_file written to stdout");
      } finally {
        await store.close();
      }
    });
}
