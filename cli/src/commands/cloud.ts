import { writeSync } from "node:fs";
import type { Command } from "commander";
import type { Logger } from "pino";
import { onShutdown } from "../shutdown.js";
import { printJson } from "../stdout.js";

export function registerCloud(program: Command, logger: Logger): void {
  program
    .command("cloud")
    .description(
      "run the cloud service: HTTP API, MQTT ingest, the ledger (SQLite, or PostgreSQL with TALLY_DATABASE_URL) and the telemetry store (SQLite, or InfluxDB with TALLY_INFLUX_URL)",
    )
    .option("--insecure", "start beyond the loopback even with the problems the security check names (TALLY_INSECURE)")
    .action(async (opts: { insecure?: boolean }) => {
      const { loadCloudConfig, startCloud } = await import("@tally/cloud");
      const { failpoint, insecure, ...config } = loadCloudConfig();
      if (config.mode === "development") {
        logger.warn("development mode: reads are open to anonymous callers on the loopback only");
      }
      let commits = 0;
      // startCloud refuses an insecure start beyond the loopback itself, naming each problem and its fix.
      const cloud = await startCloud({
        ...config,
        insecure: insecure || opts.insecure === true,
        logger,
        ...(failpoint !== undefined && {
          // Test hook (TALLY_FAILPOINT): die like a crash between the commit and its ack.
          onCommitted: (ack) => {
            if (ack.committed.length === 0) return;
            commits += 1;
            if (commits < failpoint.exitAfterCommit) return;
            // Written synchronously: pino's asynchronous stream would lose it to the SIGKILL.
            const line = { level: 40, msg: "failpoint: killed after commit", commits, batchId: ack.batchId };
            writeSync(2, `${JSON.stringify(line)}\n`);
            process.kill(process.pid, "SIGKILL");
          },
        }),
      });
      onShutdown(logger, cloud.close);
      printJson({ event: "cloud-up", api: cloud.url, broker: cloud.mqttUrl, store: cloud.store.kind });
    });
}
