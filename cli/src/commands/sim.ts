import { DEMO_SITE_FILE, demoScenario, readSiteFile, startSimulators } from "@tally/simulators";
import type { Command } from "commander";
import type { Logger } from "pino";
import { printJson } from "../stdout.js";

/** Built-in scenarios by name. */
const SCENARIOS = { demo: demoScenario } as const;

export function registerSim(program: Command, logger: Logger): void {
  const sim = program.command("sim").description("device simulators");
  sim
    .command("run")
    .description(
      `play a built-in scenario (${Object.keys(SCENARIOS).join(", ")}) against a running edge; prints the ground truth`,
    )
    .argument("<scenario>", "scenario name")
    .option("--site <file>", "site layout file", DEMO_SITE_FILE)
    .option("--mqtt-url <url>", "the edge's device broker", "mqtt://127.0.0.1:1883")
    .option("--speed <n>", "1 = real time, 4 = four times faster", "1")
    .action(async (name: string, opts: { site: string; mqttUrl: string; speed: string }) => {
      const make = SCENARIOS[name as keyof typeof SCENARIOS];
      if (make === undefined)
        throw new Error(`unknown scenario '${name}'; built in: ${Object.keys(SCENARIOS).join(", ")}`);
      const speed = Number(opts.speed);
      if (!(speed > 0)) throw new Error(`--speed must be a positive number, got ${opts.speed}`);
      const site = await readSiteFile(opts.site);
      const running = await startSimulators({ site, mqttUrl: opts.mqttUrl, logger });
      try {
        const truth = await running.play(make(site), { speed });
        printJson(truth);
      } finally {
        await running.close();
      }
    });
}
