import { join } from "node:path";
import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError, positiveNumber } from "../cli-error.js";
import { onShutdown } from "../shutdown.js";
import { printJson } from "../stdout.js";

export function registerEdge(program: Command, logger: Logger): void {
  const edge = program
    .command("edge")
    .description("run an edge node for a site: device broker, OPC-UA shelves, pipelines, uplink to the cloud")
    .option("--site <file>", "site layout file (or TALLY_SITE_FILE)")
    .option("--edge-id <id>", "this edge's id (or TALLY_EDGE_ID)")
    .option("--mqtt-url <url>", "use this device broker instead of the embedded one (or TALLY_EDGE_MQTT_URL)")
    .option("--uplink-url <url>", "the cloud's broker (or TALLY_UPLINK_MQTT_URL)")
    .option("--insecure", "start even if the device broker is open to anyone (or TALLY_INSECURE=true)")
    .action(
      async (opts: { site?: string; edgeId?: string; mqttUrl?: string; uplinkUrl?: string; insecure?: boolean }) => {
        const [{ loadEdgeConfig, startEdge }, { readSiteFile }] = await Promise.all([
          import("@tally/edge"),
          import("@tally/simulators"),
        ]);
        const config = loadEdgeConfig({
          ...process.env,
          ...(opts.site !== undefined ? { TALLY_SITE_FILE: opts.site } : {}),
          ...(opts.edgeId !== undefined ? { TALLY_EDGE_ID: opts.edgeId } : {}),
          ...(opts.mqttUrl !== undefined ? { TALLY_EDGE_MQTT_URL: opts.mqttUrl } : {}),
          ...(opts.uplinkUrl !== undefined ? { TALLY_UPLINK_MQTT_URL: opts.uplinkUrl } : {}),
          ...(opts.insecure === true ? { TALLY_INSECURE: "true" } : {}),
        });
        if (config.siteFile === undefined) {
          throw new CliError("TALLY_ERR_USAGE", "the edge needs a site file: --site <file> or TALLY_SITE_FILE");
        }
        const site = await readSiteFile(config.siteFile);
        const edge = await startEdge({
          site,
          edgeId: config.edgeId,
          mode: config.mode,
          insecure: config.insecure,
          devices: config.devices,
          uplink: config.uplink,
          logger,
          dataDir: config.dataDir,
          outboxMaxBytes: config.outboxMaxBytes,
          outboxMaxAgeMs: config.outboxMaxAgeMs,
          outboxMaxDeadLetters: config.outboxMaxDeadLetters,
          deadLetterRate: { maxDevices: config.deadLetterMaxDevices },
          outboxPageLimit: config.outboxPageLimit,
          outboxPlatterDir: config.outboxPlatterDir,
          metricsServer: config.metricsServer,
          ...(config.reference !== undefined ? { reference: config.reference } : {}),
          pipeline: {
            weights: { settleMs: config.shelfSettleMs },
            deviceSilentMs: config.deviceSilentMs,
            telemetryIntervalMs: config.telemetryIntervalMs,
          },
          opcua: { pkiDir: config.opcuaPkiDir, secretEnv: process.env },
        });
        onShutdown(logger, edge.close);
        // The edge stopped on its own (its journal's writer thread died, its outbox could not be synced): it has
        // logged why; exiting non-zero lets a supervisor restart it, and the journal replays what it holds.
        void edge.failed.then(async () => {
          await edge.close();
          logger.flush();
          process.exit(1);
        });
        printJson({
          event: "edge-up",
          edgeId: config.edgeId,
          site: site.siteId,
          deviceBroker: edge.deviceMqttUrl,
          metrics: edge.metricsUrl,
        });
      },
    );
  edge
    .command("dead-letters")
    .description(
      "list the events the cloud refused for good, newest first, one JSON line each (code, reason, the event); safe while the edge runs",
    )
    .option("--data-dir <dir>", "the edge's data folder (or TALLY_DATA_DIR, default .data)")
    .option("--edge-id <id>", "the edge's id (or TALLY_EDGE_ID, default edge-1)")
    .option("--limit <n>", "most dead letters to list", "100")
    .action(async (_opts: unknown, command: Command) => {
      // With globals: `--edge-id` after `dead-letters` may be taken by the parent `edge` command, which has it too.
      const opts = command.optsWithGlobals<{ dataDir?: string; edgeId?: string; limit: string }>();
      const limit = Math.trunc(positiveNumber("--limit", opts.limit));
      const { loadEdgeConfig, readDeadLetters } = await import("@tally/edge");
      const config = loadEdgeConfig({
        ...process.env,
        ...(opts.dataDir !== undefined ? { TALLY_DATA_DIR: opts.dataDir } : {}),
        ...(opts.edgeId !== undefined ? { TALLY_EDGE_ID: opts.edgeId } : {}),
      });
      const file = join(config.dataDir, "edge", config.edgeId, "outbox.db");
      const listed = readDeadLetters(file, limit);
      if (!listed.ok) throw new CliError(listed.error.code, listed.error.reason);
      for (const letter of listed.value.letters) {
        const { event, code, reason, batchId, deadLetteredAt } = letter;
        printJson({ eventId: event.id, kind: event.kind, code, reason, batchId, deadLetteredAt, event });
      }
      logger.info(
        { outbox: file, listed: listed.value.letters.length, kept: listed.value.count, dropped: listed.value.dropped },
        "dead letters listed",
      );
    });
}
