import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError, positiveInteger, positiveNumber } from "../cli-error.js";
import { printJson } from "../stdout.js";

interface BenchCommandOptions {
  json?: boolean;
  list?: boolean;
  influxUrl?: string;
  postgres?: boolean;
  sizes?: string;
  rate?: string;
  cases?: string;
  window?: string;
}

export function registerBench(program: Command, logger: Logger): void {
  program
    .command("bench")
    .description(
      "run benchmarks (all, or one by name); each prints figures and its ratio to a baseline measured in the same run",
    )
    .argument("[name]", "benchmark name")
    .option("--json", "one JSON object per result on stdout (the default output is a table on stderr plus JSON lines)")
    .option("--list", "list the benchmarks")
    .option("--influx-url <url>", "telemetry: an InfluxDB 1.x (http://host:port) instead of a throwaway local influxd")
    .option(
      "--postgres",
      "e2e: the ledger in a throwaway local PostgreSQL instead of the embedded SQLite; reads: PostgreSQL as well as SQLite",
    )
    .option("--sizes <n,n,...>", "e2e: scan counts of the scale curve, e.g. 10000,100000,1000000")
    .option("--rate <n>", "e2e: offered scans/s of the publish→commit latency case (default 2000)")
    .option("--window <n>", "e2e: publishes the device keeps awaiting their PUBACK, at most (default 100)")
    .option(
      "--cases <name,...>",
      "e2e: the cases to run: scans, generic, impinj, batch50, latency, scale (default all)",
    )
    .action(async (name: string | undefined, opts: BenchCommandOptions) => {
      const { BENCHMARKS } = await import("../bench/registry.js");
      if (opts.list) {
        for (const b of BENCHMARKS) printJson({ name: b.name, description: b.description });
        return;
      }
      const chosen = name === undefined ? BENCHMARKS : BENCHMARKS.filter((b) => b.name === name);
      if (chosen.length === 0) {
        throw new CliError(
          "TALLY_ERR_USAGE",
          `unknown benchmark '${name}'; known: ${BENCHMARKS.map((b) => b.name).join(", ")}`,
        );
      }
      if (opts.influxUrl !== undefined && !/^https?:\/\/[^/]+\/?$/.test(opts.influxUrl)) {
        throw new CliError("TALLY_ERR_USAGE", `--influx-url must be http(s)://host:port, not ${opts.influxUrl}`);
      }
      let sizes: number[] | undefined;
      if (opts.sizes !== undefined) {
        const { parseSizes } = await import("../bench/e2e/e2e-bench.js");
        const parsed = parseSizes(opts.sizes);
        if (typeof parsed === "string") throw new CliError("TALLY_ERR_USAGE", parsed);
        sizes = parsed;
      }
      if (opts.cases !== undefined) {
        const { parseCases } = await import("../bench/e2e/e2e-bench.js");
        const parsed = parseCases(opts.cases);
        if (typeof parsed === "string") throw new CliError("TALLY_ERR_USAGE", parsed);
      }
      const rate = opts.rate === undefined ? undefined : positiveNumber("--rate", opts.rate);
      const window = opts.window === undefined ? undefined : positiveInteger("--window", opts.window);
      for (const bench of chosen) {
        logger.info({ bench: bench.name }, "running benchmark");
        for (const result of await bench.run({
          influxUrl: opts.influxUrl,
          postgres: opts.postgres,
          sizes,
          rate,
          window,
          cases: opts.cases,
        })) {
          printJson(result);
          if (!opts.json) {
            const ratio =
              result.ratio === undefined ? "" : `  ratio ${result.ratio} to baseline ${result.baseline} ${result.unit}`;
            process.stderr.write(
              `${result.name.padEnd(24)} ${String(result.value).padStart(12)} ${result.unit}${ratio}\n`,
            );
          }
        }
      }
    });
}

/** `tally cpu-profile <file>`: where a `node --cpu-prof` profile's time went, by function and file. */
export function registerCpuProfile(program: Command): void {
  program
    .command("cpu-profile")
    .description("summarise a .cpuprofile (node --cpu-prof) by self and inclusive time per function and per file")
    .argument("<file>", "the .cpuprofile")
    .option("--top <n>", "rows per table", "30")
    .option("--skip-ms <n>", "leave out the first n ms of samples (the process's start)", "0")
    .action(async (file: string, opts: { top: string; skipMs: string }) => {
      const { readFile } = await import("node:fs/promises");
      const { formatProfileSummary, summariseCpuProfile } = await import("../bench/cpu-profile-summary.js");
      const profile = JSON.parse(await readFile(file, "utf8"));
      process.stdout.write(
        `${formatProfileSummary(summariseCpuProfile(profile, { skipMs: Number(opts.skipMs) || 0 }), positiveNumber("--top", opts.top))}\n`,
      );
    });
}
