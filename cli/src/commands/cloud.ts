import type { Command } from "commander";
import type { Logger } from "pino";
import { onShutdown } from "../shutdown.js";
import { printJson } from "../stdout.js";

export function registerCloud(program: Command, logger: Logger): void {
  program
    .command("cloud")
    .description(
      "run the cloud service: HTTP API, MQTT ingest and the ledger (SQLite, or PostgreSQL with TALLY_DATABASE_URL)",
    )
    .action(async () => {
      const { loadCloudConfig, startCloud } = await import("@tally/cloud");
      const config = loadCloudConfig();
      const cloud = await startCloud({ ...config, logger });
      onShutdown(logger, cloud.close);
      printJson({ event: "cloud-up", api: cloud.url, broker: cloud.mqttUrl, store: cloud.store.kind });
    });
}
