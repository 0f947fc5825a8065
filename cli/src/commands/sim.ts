import { writeFile } from "node:fs/promises";
import { Speed, safeParseUntrusted } from "@tally/protocols";
import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError, httpUrl, positiveNumber } from "../cli-error.js";
import { printJson } from "../stdout.js";

/**
 * Built-in scenarios, by name (files in simulators/scenarios), for the help text, which is built before
 * `@tally/simulators` is loaded. A test pins this list equal to the simulators' `BUILT_IN_SCENARIOS`.
 */
export const SCENARIO_NAMES = [
  "demo",
  "dock-day",
  "cold-chain",
  "shrinkage",
  "outage",
  "receiving",
  "hard-dock",
  "shelf-shrinkage",
] as const;

interface RunOptions {
  site?: string;
  speed?: string;
  scale?: string;
  report?: string;
  truth?: string;
  inProcess?: boolean;
  mqttUrl?: string;
  apiUrl?: string;
  cloudMqttUrl?: string;
  apiToken?: string;
  referencePoll?: string;
  devicePasswords?: string;
  edgeMetricsUrl?: string;
}

/** Refuses a metrics URL that cannot be read now, before anything is played against it. */
async function readableMetrics(name: string, url: string): Promise<void> {
  const { scrapeMetrics } = await import("../prometheus-text.js");
  const metrics = await scrapeMetrics(url).catch((error: unknown) => {
    // fetch's own failure says why in its cause (ECONNREFUSED, bad port); an answer that is not 200 says so itself.
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    const reason =
      cause === undefined ? (error as Error).message : `cannot read ${url}: ${cause.code ?? cause.message}`;
    throw new CliError("TALLY_ERR_USAGE", `${name}: ${reason}`);
  });
  if (metrics.size === 0) throw new CliError("TALLY_ERR_USAGE", `${name}: ${url} serves no Prometheus metrics`);
}

/** Reads `--device-passwords`: a JSON object of device id → password. */
async function readDevicePasswords(file: string): Promise<Record<string, string>> {
  const { readFile } = await import("node:fs/promises");
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new CliError("TALLY_ERR_USAGE", `--device-passwords: ${file}: ${(error as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new CliError("TALLY_ERR_USAGE", `--device-passwords: ${file} is not an object of device id → password`);
  }
  const passwords: Record<string, string> = {};
  for (const [id, password] of Object.entries(doc)) {
    if (typeof password !== "string")
      throw new CliError("TALLY_ERR_USAGE", `--device-passwords: ${id} has no password`);
    passwords[id] = password;
  }
  return passwords;
}

export function registerSim(program: Command, logger: Logger): void {
  const sim = program.command("sim").description("device simulators and scenario scoring");
  sim
    .command("run")
    .description(
      `play a scenario (built in: ${SCENARIO_NAMES.join(", ")}; or a scenario file) and score the cloud's state against its ground truth; prints the report as one JSON line`,
    )
    .argument("<scenario>", "built-in scenario name or path to a scenario file (YAML/JSON)")
    .option("--site <file>", "site layout file instead of the scenario's")
    .option("--speed <speed>", "1 = real time, 4 or x4 = four times faster, max = as fast as the system keeps up")
    .option("--scale <factor>", "multiply every flow's counts (trucks, picks, …), e.g. 0.1 for a quick run")
    .option("--report <file>", "also write the report (JSON) to this file")
    .option("--truth <file>", "write the ground truth (JSON) to this file")
    .option("--in-process", "start cloud and edge in this process on free ports (the default)")
    .option("--mqtt-url <url>", "a running edge's device broker (external mode)")
    .option("--api-url <url>", "a running cloud's HTTP API (external mode; without it: play only, print the truth)")
    .option("--cloud-mqtt-url <url>", "a running cloud's broker, to time commits (external mode)")
    .option(
      "--api-token <token>",
      "admin token for what the run sets up in a running cloud: the site layout, expected receipts and shipments (external mode)",
    )
    .option(
      "--reference-poll <ms>",
      "the running edge's TALLY_REFERENCE_POLL_MS: the play waits this long (+1 s) after each expected document (external mode; default 30000)",
    )
    .option(
      "--edge-metrics-url <url>",
      "the running edge's metrics (http://host:9464/metrics): documents then wait until the edge has drained and has each change, instead of waiting out polls (external mode)",
    )
    .option(
      "--device-passwords <file>",
      "JSON file: device id → MQTT password, for a running edge in production mode (external mode)",
    )
    .action(async (name: string, opts: RunOptions) => {
      const external = opts.mqttUrl !== undefined || opts.apiUrl !== undefined;
      const deviceCredentials =
        opts.devicePasswords === undefined ? undefined : await readDevicePasswords(opts.devicePasswords);
      if (external && opts.inProcess === true) {
        throw new CliError("TALLY_ERR_USAGE", "--in-process cannot be combined with --mqtt-url or --api-url");
      }
      const speed = parseSpeed(opts.speed);
      const scale = opts.scale === undefined ? undefined : positiveNumber("--scale", opts.scale);
      const referencePollMs =
        opts.referencePoll === undefined ? undefined : positiveNumber("--reference-poll", opts.referencePoll);
      const edgeMetricsUrl =
        opts.edgeMetricsUrl === undefined ? undefined : httpUrl("--edge-metrics-url", opts.edgeMetricsUrl);
      if (edgeMetricsUrl !== undefined) await readableMetrics("--edge-metrics-url", edgeMetricsUrl);
      const sims = await import("@tally/simulators");
      const builtIn = (sims.BUILT_IN_SCENARIOS as readonly string[]).includes(name);
      if (!builtIn && !/\.(ya?ml|json)$/i.test(name)) {
        throw new CliError(
          "TALLY_ERR_SCENARIO_INVALID",
          `unknown scenario '${name}'; built in: ${sims.BUILT_IN_SCENARIOS.join(", ")}, or give a .yaml/.json file`,
        );
      }
      const path = builtIn ? sims.builtInScenarioFile(name as (typeof sims.BUILT_IN_SCENARIOS)[number]) : name;
      const site = opts.site === undefined ? undefined : await sims.readSiteFile(opts.site);
      const loaded = await sims.loadScenarioFile(path, {
        ...(scale !== undefined && { scale }),
        ...(site !== undefined && { site }),
      });

      const tty = process.stderr.isTTY === true;
      const started = Date.now();
      const onProgress = tty
        ? (p: { atMs: number; endMs: number; events: number }) => {
            process.stderr.write(`\r${sims.progressBar(p.atMs / p.endMs, p.events, Date.now() - started)}`);
          }
        : undefined;
      const progress = onProgress === undefined ? {} : { onProgress };

      if (external && opts.apiUrl === undefined) {
        // Play only, against a running edge: the ground truth is the output.
        const mqttUrl = opts.mqttUrl ?? "mqtt://127.0.0.1:1883";
        const running = await sims.startSimulators({
          site: loaded.site,
          mqttUrl,
          logger,
          ...(deviceCredentials !== undefined ? { deviceCredentials } : {}),
        });
        try {
          const truth = await running.play(loaded.scenario, { ...(speed !== undefined && { speed }), ...progress });
          if (tty) process.stderr.write("\n");
          if (opts.truth !== undefined) await writeFile(opts.truth, JSON.stringify(truth));
          printJson(truth);
        } finally {
          await running.close();
        }
        return;
      }

      const { runScenario } = await import("../scenario-run.js");
      const { truth, report } = await runScenario({
        loaded,
        ...(speed !== undefined && { speed }),
        logger,
        target: external
          ? {
              external: {
                mqttUrl: opts.mqttUrl ?? "mqtt://127.0.0.1:1883",
                apiUrl: opts.apiUrl ?? "http://127.0.0.1:8080",
                ...(opts.cloudMqttUrl !== undefined && { cloudMqttUrl: opts.cloudMqttUrl }),
                ...(opts.apiToken !== undefined && { apiToken: opts.apiToken }),
                ...(referencePollMs !== undefined && { referencePollMs }),
                ...(deviceCredentials !== undefined && { deviceCredentials }),
                ...(edgeMetricsUrl !== undefined && { edgeMetricsUrl }),
              },
            }
          : { inProcess: {} },
        ...progress,
      });
      if (tty) process.stderr.write("\n");
      if (opts.truth !== undefined) await writeFile(opts.truth, JSON.stringify(truth));
      if (opts.report !== undefined) await writeFile(opts.report, `${JSON.stringify(report, null, 2)}\n`);
      process.stderr.write(`\n${sims.formatReport(report)}\n`);
      printJson(report);
    });
}

function parseSpeed(value: string | undefined): number | "max" | undefined {
  if (value === undefined) return undefined;
  const parsed = safeParseUntrusted(Speed, /^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (!parsed.success) throw new CliError("TALLY_ERR_USAGE", `--speed must be a number > 0, xN or max, got ${value}`);
  return parsed.data;
}
