import type { Logger } from "pino";

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits; a second
 * signal while stopping exits at once.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, "stopping");
    stop().then(
      () => {
        logger.info("stopped cleanly");
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: (error as Error).message }, "error while stopping");
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", handle);
  process.once("SIGTERM", handle);
}
