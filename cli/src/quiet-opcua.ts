import { format } from "node:util";
import { setDebugLogger, setErrorLogger, setWarningLogger } from "node-opcua-debug";
import type { Logger } from "pino";

/**
 * node-opcua prints its warnings and errors with console.log, to stdout;
 * the CLI keeps stdout for JSON lines. Send them to the logger instead. This
 * is process-wide, so only the composition root does it. The setters come
 * from node-opcua's small logging package (milliseconds to load, where
 * node-opcua itself takes about a second of CPU), so every command routes
 * them before anything loads node-opcua, and an edge with no OPC-UA shelf
 * never loads it at all.
 */
export function routeOpcuaLogsTo(logger: Logger): void {
  const child = logger.child({ component: "node-opcua" });
  setWarningLogger((...args: unknown[]) => child.debug(format(...args)));
  setErrorLogger((...args: unknown[]) => child.error(format(...args)));
  setDebugLogger((...args: unknown[]) => child.trace(format(...args)));
}
