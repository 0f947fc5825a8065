import type { CloudConfig } from "@tally/cloud";
import type { EdgeConfig } from "@tally/edge";
import type { SiteLayout } from "@tally/protocols";
import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError, positiveNumber } from "../cli-error.js";
import { onShutdown } from "../shutdown.js";
import { printJson } from "../stdout.js";
import type { SystemOptions } from "../system.js";

/** What `tally up` starts, from the cloud's and the edge's configuration (their `TALLY_*` settings). */
export function upSystemOptions(
  cloudConfig: CloudConfig,
  edgeConfig: EdgeConfig,
  run: { site: SiteLayout; logger: Logger; simulators: boolean },
): SystemOptions {
  return {
    site: run.site,
    logger: run.logger,
    http: { host: cloudConfig.host, port: cloudConfig.port },
    cloudMqttPort: "embedded" in cloudConfig.mqtt ? cloudConfig.mqtt.embedded.port : 1884,
    deviceMqttPort: "embedded" in edgeConfig.devices ? edgeConfig.devices.embedded.port : 1883,
    dataDir: cloudConfig.dataDir,
    databaseUrl: cloudConfig.databaseUrl,
    influxUrl: cloudConfig.influxUrl,
    telemetryHandoffMax: cloudConfig.telemetryHandoffMax,
    telemetryForwardThread: cloudConfig.telemetryForwardThread,
    edgeId: edgeConfig.edgeId,
    shelfSettleMs: edgeConfig.shelfSettleMs,
    pipeline: { telemetryIntervalMs: edgeConfig.telemetryIntervalMs },
    edgeMetricsPort: edgeConfig.metricsServer.port,
    simulators: run.simulators,
    alerts: {
      alertPolicyFile: cloudConfig.alertPolicyFile,
      alertSweepMs: cloudConfig.alertSweepMs,
      taskDue: cloudConfig.taskDue,
    },
  };
}

export function registerUp(program: Command, logger: Logger): void {
  program
    .command("up")
    .description("run cloud, edge and simulators on the embedded defaults, playing the demo scenario (npm start)")
    .option("--site <file>", "site layout file (default: the demo site)")
    .option("--speed <n>", "scenario speed: 1 = real time", "1")
    .option("--no-sim", "do not start the simulators")
    .action(async (opts: { site?: string; speed: string; sim: boolean }) => {
      const speed = positiveNumber("--speed", opts.speed);
      // Loaded here, not at the top, so `tally --help` stays fast.
      const [{ isLoopbackHost, loadCloudConfig }, { loadEdgeConfig }, sims, { startSystem }] = await Promise.all([
        import("@tally/cloud"),
        import("@tally/edge"),
        import("@tally/simulators"),
        import("../system.js"),
      ]);
      const cloudConfig = loadCloudConfig();
      // The whole system in one process runs in development mode (anonymous simulated devices, open reads):
      // on the loopback only.
      if (!isLoopbackHost(cloudConfig.host)) {
        throw new CliError(
          "TALLY_ERR_INSECURE_CONFIG",
          `tally up runs in development mode, on the loopback only, not on ${cloudConfig.host}: unset TALLY_HTTP_HOST, or run tally cloud and tally edge (with credentials and TLS) to serve a network`,
        );
      }
      const edgeConfig = loadEdgeConfig();
      const site = await sims.readSiteFile(opts.site ?? sims.DEMO_SITE_FILE);
      const system = await startSystem(
        upSystemOptions(cloudConfig, edgeConfig, { site, logger, simulators: opts.sim }),
      );
      onShutdown(logger, system.close);
      // The edge stopped on its own (its journal's writer thread died, its outbox could not be synced): it has
      // logged why; the whole system exits non-zero so a supervisor restarts it, and the journal replays.
      void system.edge.inProcess?.failed.then(async () => {
        await system.close();
        logger.flush();
        process.exit(1);
      });
      const api = system.cloud.url;
      printJson({
        event: "up",
        api,
        deviceBroker: system.edge.deviceMqttUrl,
        cloudBroker: system.cloud.mqttUrl,
        edgeMetrics: system.edge.metricsUrl,
        site: site.siteId,
      });
      process.stderr.write(
        `\nTally is running.\n  Console:        ${api}/  (open it in a browser)\n  API:            ${api}  (try ${api}/v1/stock, ${api}/v1/movements, ${api}/v1/alerts)\n  Device broker:  ${system.edge.deviceMqttUrl}\n  Metrics:        ${api}/metrics, ${system.edge.metricsUrl ?? "(edge: off)"}\n  Press Ctrl-C to stop.\n\n`,
      );
      if (system.simulators !== undefined) {
        const truth = await system.simulators.play(sims.demoScenario(site), { speed });
        await system.edge.drained();
        printJson({
          event: "scenario-played",
          scenario: truth.scenario,
          events: truth.events,
          positions: truth.positions,
        });
        logger.info(
          { scenario: truth.scenario, events: truth.events },
          "demo scenario played; the system keeps running",
        );
      }
    });
}
