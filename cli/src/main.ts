import { Command, CommanderError } from "commander";
import { registerBench, registerCpuProfile } from "./commands/bench.js";
import { registerCloud } from "./commands/cloud.js";
import { registerCloudAcl } from "./commands/cloud-acl.js";
import { registerDevice } from "./commands/device.js";
import { registerEdge } from "./commands/edge.js";
import { registerEpc } from "./commands/epc.js";
import { registerGs1 } from "./commands/gs1.js";
import { registerOpcua } from "./commands/opcua.js";
import { registerSim } from "./commands/sim.js";
import { registerSite } from "./commands/site.js";
import { registerToken } from "./commands/token.js";
import { registerUp } from "./commands/up.js";
import { createLogger } from "./logger.js";
import { routeOpcuaLogsTo } from "./quiet-opcua.js";
import { printJson } from "./stdout.js";

const logger = createLogger();
// node-opcua logs with console.log; stdout is kept for JSON lines.
routeOpcuaLogsTo(logger);

const program = new Command()
  .name("tally")
  .description("Tally: IoT edge gateway and telemetry service for warehouses")
  .showHelpAfterError()
  .exitOverride();
registerUp(program, logger);
registerEdge(program, logger);
registerCloud(program, logger);
registerCloudAcl(program, logger);
registerSim(program, logger);
registerSite(program, logger);
registerDevice(program, logger);
registerEpc(program, logger);
registerGs1(program, logger);
registerBench(program, logger);
registerCpuProfile(program);
registerOpcua(program, logger);
registerToken(program, logger);

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
