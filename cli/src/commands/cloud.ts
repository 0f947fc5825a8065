import { writeSync } from "node:fs";
import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError } from "../cli-error.js";
import { onShutdown } from "../shutdown.js";
import { printJson } from "../stdout.js";

export function registerCloud(program: Command, logger: Logger): void {
  program
    .command("cloud")
    .description(
      "run the cloud service: HTTP API, MQTT ingest and the ledger (SQLite, or PostgreSQL with TALLY_DATABASE_URL)",
    )
    .option("--insecure", "start beyond the loopback even with the problems the security check names (TALLY_INSECURE)")
    .action(async (opts: { insecure?: boolean }) => {
      const { cloudSecurityProblems, loadCloudConfig, startCloud } = await import("@tally/cloud");
      const { failpoint, insecure, ...config } = loadCloudConfig();
      const problems = cloudSecurityProblems({ ...config, insecure });
      if (problems.length > 0) {
        if (!(insecure || opts.insecure === true)) {
          const list = problems.map((p, i) => `(${i + 1}) ${p.problem}; fix: ${p.fix}`).join(" ");
          throw new CliError(
            "TALLY_ERR_INSECURE_CONFIG",
            `refusing to start the cloud: ${list}. Or pass --insecure (TALLY_INSECURE=true) to start anyway.`,
          );
        }
        logger.warn({ problems }, "INSECURE: starting despite the security check's problems (--insecure)");
      }
      if (config.mode === "development") {
        logger.warn("development mode: reads are open to anonymous callers on the loopback only");
      }
      let commits = 0;
      const cloud = await startCloud({
        ...config,
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
