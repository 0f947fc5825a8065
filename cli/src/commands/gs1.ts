import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError } from "../cli-error.js";
import { printJson } from "../stdout.js";

/** The group separator (FNC1 in raw GS1 data), typed as `<GS>` or `\x1d` on a command line. */
const GS_NOTATIONS = /<GS>|\\x1[dD]/g;

export function registerGs1(program: Command, _logger: Logger): void {
  program
    .command("gs1")
    .description("GS1 data: EAN/UPC symbols, element strings (bracketed, raw with FNC1 as GS) and Digital Link URIs")
    .command("parse")
    .description("parse GS1 data; one JSON object per input with every AI and its value, or every problem found")
    .argument("<data...>", 'e.g. "(01)09506000134352(17)201225(10)ABC123"; write GS as <GS> or \\x1d')
    .option("--reference-date <date>", "the date two-digit years are read against (GS1 century rule), default today")
    .action(async (inputs: string[], opts: { referenceDate?: string }) => {
      const { parseGs1 } = await import("@tally/protocols");
      const referenceDate = opts.referenceDate === undefined ? undefined : new Date(opts.referenceDate);
      if (referenceDate !== undefined && Number.isNaN(referenceDate.getTime())) {
        throw new CliError("TALLY_ERR_USAGE", `--reference-date is not a date: ${opts.referenceDate}`);
      }
      let failed = 0;
      for (const input of inputs) {
        const data = input.replace(GS_NOTATIONS, "\u001d");
        const result = parseGs1(data, referenceDate ? { referenceDate } : undefined);
        if (result.ok) printJson({ input, ...result.value });
        else {
          failed++;
          printJson({ input, errors: result.errors });
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}
