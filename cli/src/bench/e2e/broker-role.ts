import { startEmbeddedBroker } from "@tally/edge";
import { pino } from "pino";
import { printJson } from "../../stdout.js";

/**
 * The baseline's bare aedes: the edge's embedded broker with no security, no
 * journal and no hooks, in a process of its own (SIGTERM ends it; it keeps nothing).
 */
export async function runBareAedes(): Promise<void> {
  const broker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
  printJson({ event: "ready", url: broker.url });
}
