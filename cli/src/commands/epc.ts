import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError } from "../cli-error.js";
import { printJson } from "../stdout.js";

export function registerEpc(program: Command, _logger: Logger): void {
  const epc = program
    .command("epc")
    .description("EPC Tag Data Standard codec: SGTIN-96/198, SSCC-96, SGLN-96, GRAI-96, GIAI-96");
  epc
    .command("decode")
    .description("decode EPC hex; one JSON object per input with the pure identity URI, tag URI and every field")
    .argument("<hex...>", "EPC bank contents as hex")
    .action(async (inputs: string[]) => {
      const { decodeEpc } = await import("@tally/protocols");
      let failed = 0;
      for (const input of inputs) {
        const result = decodeEpc(input);
        if (result.ok) printJson({ input, ...result.value });
        else {
          failed++;
          printJson({ input, error: result.error });
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
  epc
    .command("encode")
    .description("encode a tag URI (urn:epc:tag:…) or a pure identity URI (urn:epc:id:…) to hex")
    .argument("<uri...>", "EPC URIs")
    .option("--scheme <scheme>", "binary scheme for pure identity URIs, e.g. sgtin-96 or sgtin-198")
    .option("--filter <n>", "filter value 0–7 for pure identity URIs")
    .action(async (inputs: string[], opts: { scheme?: string; filter?: string }) => {
      const { encodeEpc } = await import("@tally/protocols");
      const filter = opts.filter === undefined ? undefined : Number(opts.filter);
      if (filter !== undefined && !(Number.isInteger(filter) && filter >= 0 && filter <= 7)) {
        throw new CliError("TALLY_ERR_USAGE", `--filter must be 0–7, got ${opts.filter}`);
      }
      let failed = 0;
      for (const input of inputs) {
        const result = encodeEpc(input, {
          ...(opts.scheme !== undefined ? { scheme: opts.scheme as never } : {}),
          ...(filter !== undefined ? { filter } : {}),
        });
        if (result.ok) printJson({ input, hex: result.value });
        else {
          failed++;
          printJson({ input, error: result.error });
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}
