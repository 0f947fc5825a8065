import { Command, CommanderError } from "commander";
import { registerBench } from "./commands/bench.js";
import { registerCloud } from "./commands/cloud.js";
import { registerEdge } from "./commands/edge.js";
import { registerSim } from "./commands/sim.js";
import { registerUp } from "./commands/up.js";
import { createLogger } from "./logger.js";
import { printJson } from "./stdout.js";

const logger = createLogger();

const program = new Command()
  .name("tally")
  .description("Tally: IoT edge gateway and telemetry service for warehouses")
  .showHelpAfterError()
  .exitOverride()
  .hook("preAction", async () => {
    // node-opcua is heavy to load; only commands that run something pay for it.
    const { routeOpcuaLogsTo } = await import("./quiet-opcua.js");
    routeOpcuaLogsTo(logger);
  });
registerUp(program, logger);
registerEdge(program, logger);
registerCloud(program, logger);
registerSim(program, logger);
registerBench(program, logger);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exitCode = error.exitCode;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    const code =
      typeof error === "object" && error !== null && "code" in error ? String(error.code) : "TALLY_ERR_INTERNAL";
    printJson({ error: { code, message } });
    logger.error({ err: message }, "command failed");
    logger.flush();
    process.exitCode = 1;
  }
}
