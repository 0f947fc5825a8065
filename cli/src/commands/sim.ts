import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError, positiveNumber } from "../cli-error.js";
import { printJson } from "../stdout.js";

/** Built-in scenarios, by name. */
const SCENARIO_NAMES = ["demo"] as const;

export function registerSim(program: Command, logger: Logger): void {
  const sim = program.command("sim").description("device simulators");
  sim
    .command("run")
    .description(
      `play a built-in scenario (${SCENARIO_NAMES.join(", ")}) against a running edge; prints the ground truth`,
    )
    .argument("<scenario>", "scenario name")
    .option("--site <file>", "site layout file (default: the demo site)")
    .option("--mqtt-url <url>", "the edge's device broker", "mqtt://127.0.0.1:1883")
    .option("--speed <n>", "1 = real time, 4 = four times faster", "1")
    .action(async (name: string, opts: { site?: string; mqttUrl: string; speed: string }) => {
      if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
        throw new CliError(
          "TALLY_ERR_SCENARIO_INVALID",
          `unknown scenario '${name}'; built in: ${SCENARIO_NAMES.join(", ")}`,
        );
      }
      const speed = positiveNumber("--speed", opts.speed);
      const { DEMO_SITE_FILE, demoScenario, readSiteFile, startSimulators } = await import("@tally/simulators");
      const site = await readSiteFile(opts.site ?? DEMO_SITE_FILE);
      const running = await startSimulators({ site, mqttUrl: opts.mqttUrl, logger });
      try {
        const truth = await running.play(demoScenario(site), { speed });
        printJson(truth);
      } finally {
        await running.close();
      }
    });
}
