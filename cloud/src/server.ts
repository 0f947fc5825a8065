import { pino } from "pino";
import { loadCloudConfig } from "./config.js";
import { startCloud } from "./start-cloud.js";

/** Entry point: `tsx cloud/src/server.ts`. Reads TALLY_* variables, starts the cloud, stops on SIGINT/SIGTERM. */
const config = loadCloudConfig();
const logger = pino({ level: config.logLevel });
const cloud = await startCloud({ ...config, logger });

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    cloud.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "unclean stop");
        process.exit(1);
      },
    );
  });
}
