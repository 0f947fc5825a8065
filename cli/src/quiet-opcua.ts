import { format } from "node:util";
import { setDebugLogger, setErrorLogger, setWarningLogger } from "node-opcua";
import type { Logger } from "pino";

/**
 * node-opcua prints its warnings and errors with console.log, to stdout;
 * the CLI keeps stdout for JSON lines. Send them to the logger instead. This
 * is process-wide, so only the composition root does it.
 */
export function routeOpcuaLogsTo(logger: Logger): void {
  const child = logger.child({ component: "node-opcua" });
  setWarningLogger((...args: unknown[]) => child.debug(format(...args)));
  setErrorLogger((...args: unknown[]) => child.error(format(...args)));
  setDebugLogger((...args: unknown[]) => child.trace(format(...args)));
}
